"""What the screens say is true: "N more training" counts other runs only, Compare's zoom says the range it
fitted (or that nothing was there to fit), and a gradients table that leaves epochs out says so."""

from __future__ import annotations

from types import SimpleNamespace

from known_runs import add_run, fill_exercise
from rich.console import Console
from textual.app import App
from textual.widgets import DataTable

from engine.presets import find_preset
from tui.run_summary import gradients_table
from tui.screens.compare import CompareScreen
from tui.training_snapshot import StoreWatcher, TrainingSnapshot
from tui.widgets.chart_view import ChartView
from tui.widgets.status_line import StatusLine


class Host(App):
    def __init__(self, store) -> None:
        super().__init__()
        self.store = store

    def on_mount(self) -> None:
        self.push_screen(CompareScreen(self.store))


def pick(screen, run_id: int) -> None:
    table = screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(str(run_id)))


def test_one_job_loading_is_not_one_more_training(store):
    p = find_preset("part1-small")
    job = store.jobs.add(p.id, p.part, p.spec)
    store.db.write("UPDATE jobs SET state='running', phase='loading TensorFlow' WHERE id=?", (job,))
    snap = StoreWatcher(store, worker_alive=lambda path: True).read()
    text = StatusLine().text(snap, 1).plain
    assert "loading TensorFlow" in text and "more training" not in text


def test_seeds_training_stacked_in_one_slot_are_named_once_with_their_count():
    def view(slot, name, epoch=2):
        return SimpleNamespace(slot=slot, name=name, started=True, epoch_now=epoch, total_epochs=10, active=True)

    views = [view(0, "layers 32"), view(0, "layers 32"), view(0, "layers 32"), view(1, "layers 512", 5)]
    text = StatusLine().text(TrainingSnapshot(view=views[0], views=views), 1).plain
    assert text == "▶ slot 0 layers 32 x3 2/10 · slot 1 layers 512 5/10", text


def test_a_job_whose_run_just_ended_is_not_training(store):
    run_id = add_run(store, "part1-small", [48], train=0.9, val=0.9, test=0.9)
    p = find_preset("part1-small")
    job = store.jobs.add(p.id, p.part, p.spec)
    store.db.write("UPDATE jobs SET state='running', run_id=? WHERE id=?", (run_id, job))
    snap = TrainingSnapshot(running_jobs=store.jobs.running())
    assert snap.active_runs() == 0


async def test_compare_zoom_says_the_range_it_fitted(store):
    ids = fill_exercise(store)

    app = Host(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        chart = screen.query_one("#overlay", ChartView)
        await pilot.press("z")
        assert "no points to fit" in chart.border_title and "fitted" not in chart.border_title
        pick(screen, ids["part1-small"])
        await pilot.press("space")
        await pilot.pause()
        assert "fitted to 81.4-90.4" in chart.border_title  # its validation accuracy, epochs 1-10


def test_a_gradients_table_that_leaves_epochs_out_says_so(store):
    run_id = add_run(
        store, "part3", [64, 32, 16], train=0.9, val=0.9, test=0.9, epochs=20, grads=[1e-4, 1e-3, 1e-2, 1e-1]
    )
    table = gradients_table(store.get_run(run_id), max_epochs=8)
    console = Console(width=120, record=True)
    console.print(table)
    assert "8 of 20 epochs shown" in console.export_text()
    full = gradients_table(store.get_run(run_id), max_epochs=20)
    console = Console(width=200, record=True)
    console.print(full)
    assert "epochs shown" not in console.export_text()
