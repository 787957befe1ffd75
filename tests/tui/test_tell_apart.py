"""Runs of one preset can be told apart: seed and learning rate in Compare, Recent runs, the queue panel and
`mnist-tui queue`; a control leads its name with its change, and its stored description is its own."""

from __future__ import annotations

from known_runs import add_run
from rich.console import Console
from textual.app import App
from textual.widgets import DataTable

from engine.experiment_controls import control_specs
from engine.presets import find_preset
from tui.app import make_app
from tui.cli import main
from tui.screens.compare import CompareScreen
from tui.widgets.queue_panel import QueuePanel
from tui.widgets.recent_runs import RecentRuns


def narrow_runs(store):
    """Two repeats of part2-narrow and its two controls, stored as a controls run leaves them."""
    base = find_preset("part2-narrow").spec
    ids = [
        add_run(store, "part2-narrow", [8] * 10, train=0.11, val=0.11, test=0.11, seed=s, learning_rate=0.01)
        for s in (42, 43)
    ]
    for control in control_specs(base):
        spec = control.spec
        run_id = store.start_run("part2-narrow", "part2-narrow", spec, kind="control", label=control.label)
        ids.append(run_id)
    return ids


def test_a_controls_description_is_its_own():
    relu, lr = control_specs(find_preset("part2-narrow").spec)
    assert relu.spec.description.startswith("Control of Part Two, narrow: ReLU instead of sigmoid")
    assert "learning rate 0.1 instead of 0.01" in lr.spec.description


async def test_compare_shows_seed_lr_and_the_controls_change(store):
    ids = narrow_runs(store)

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(CompareScreen(store))

    app = Host()
    async with app.run_test(size=(100, 30)):
        table = app.screen.query_one(DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert "seed lr" in labels

        def row(run_id):
            cells = table.get_row(str(run_id))
            return {str(c.label): str(v) for c, v in zip(table.columns.values(), cells, strict=True)}

        assert row(ids[1])["seed lr"] == "43 0.01"
        relu = row(ids[2])
        assert relu["name"].startswith("ReLU · ") and relu["seed lr"] == "42 0.01"
        lr = row(ids[3])
        assert lr["name"].startswith("lr×10 · ") and lr["seed lr"] == "42 0.1"


async def test_recent_runs_show_the_seed_at_80_columns(store):
    narrow_runs(store)
    app = make_app(store, spawn_worker=lambda path: None)

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        widget = app.screen.query_one(RecentRuns)
        console = Console(width=widget.size.width, record=True)
        console.print(widget.render())
        text = console.export_text()
        assert "seed" in text and "43" in text and "ReLU · " in text


def test_the_queue_shows_seed_and_lr(store, capsys):
    base = find_preset("part2-narrow")
    store.jobs.add(base.id, base.part, base.spec.model_copy(update={"seed": 44}))
    relu = control_specs(base.spec)[0]
    store.jobs.add(base.id, base.part, relu.spec, kind="control", label=relu.label)
    assert main(["queue", "--store", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert "seed" in out.splitlines()[0] and "lr" in out.splitlines()[0]
    assert "44" in out and "ReLU · Part Two, narrow" in out
    panel = QueuePanel()
    labels = []
    panel.add_option = lambda option: labels.append(str(option.prompt))
    panel.clear_options = lambda: None
    panel.highlighted_job = lambda: None
    panel.show(store.jobs.waiting())
    assert "seed 44 · lr 0.01" in labels[0] and labels[1].startswith("2. ReLU · ")
