"""RunScreen: one run's curves, spec, data, environment, epochs and gradients; delete (asks), label, note."""

from __future__ import annotations

import pytest
from known_runs import add_run, fill_exercise
from rich.console import Console
from textual.app import App
from textual.widgets import Input, Static

from engine.answers import answers
from engine.store import Store
from tui.screens.dialogs import ConfirmDialog, TextDialog
from tui.screens.run import RunScreen
from tui.widgets.chart_view import ChartView


class Host(App):
    def __init__(self, store: Store, run_id: int) -> None:
        super().__init__()
        self.store, self.run_id = store, run_id

    def on_mount(self) -> None:
        self.push_screen(RunScreen(self.store, self.run_id))


@pytest.fixture
def ids(store):
    return fill_exercise(store)


def text_of(screen, selector: str) -> str:
    console = Console(width=120, record=True)
    console.print(screen.query_one(selector, Static).content)
    return console.export_text()


async def test_shows_spec_data_environment_epochs_gradients_and_both_charts(store, ids):
    app = Host(store, ids["part2-narrow"])
    async with app.run_test(size=(100, 32)) as pilot:
        screen = app.screen
        await pilot.pause()
        assert "Run " in text_of(screen, "#run-title") and "part2-narrow" in text_of(screen, "#run-title")
        summary = text_of(screen, "#run-summary")
        for needle in (
            "learning rate",
            "0.01",
            "batch size",
            "32",
            "epochs trained",
            "10: 10 x 8",
            "sigmoid",
            "mnist-sample.npz",
            "6,000 / 1,333 / 2,000",
            "tensorflow",
            "keras 3.15.1",
            "train 11.43% · val 11.18% · test 11.50%",
            "7,018 params",
        ):
            assert needle in summary, needle
        epochs = text_of(screen, "#run-epochs")
        assert "val loss" in epochs and "seconds" in epochs and epochs.count("\n") >= 11
        grads = text_of(screen, "#run-gradients")
        assert "dense 1" in grads and "output" in grads and "1.0e-09" in grads and "ep 10" in grads
        accuracy = screen.query_one("#run-accuracy", ChartView).plain_text
        loss = screen.query_one("#run-loss", ChartView).plain_text
        assert "* train (epoch mean) 12.2%" in accuracy and "o val 11.2%" in accuracy and "100┤" in accuracy
        assert "* train (epoch mean) 0.1" in loss and "o val 0.11" in loss


async def test_a_failed_run_says_why(store):
    run_id = add_run(store, "part1-small", [48], train=0.1, val=0.1, test=0.1, epochs=1, status="failed")
    store.db.write("UPDATE runs SET error=? WHERE id=?", ("[red]out of memory", run_id))

    app = Host(store, run_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        summary = text_of(app.screen, "#run-summary")
        assert "reason" in summary and "[red]out of memory" in summary  # literally, never as markup


async def test_d_asks_then_deletes_and_the_answers_stop_using_the_run(store, ids):
    app = Host(store, ids["part3"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        assert isinstance(app.screen, RunScreen) and store.get_run(ids["part3"]) is not None
        await pilot.press("d", "y")
        await pilot.pause()
        assert store.get_run(ids["part3"]) is None
        assert not isinstance(app.screen, RunScreen)  # nothing left to show
        assert "part3" not in answers(store).nets  # the cancelled part3 run never answers either


async def test_l_labels_and_n_notes_the_run(store, ids):
    app = Host(store, ids["part1-small"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one(Input).value = "small but good"
        await pilot.press("enter")
        await pilot.pause()
        assert store.get_run(ids["part1-small"]).label == "small but good"
        assert "small but good" in text_of(app.screen, "#run-title")
        await pilot.press("n")
        app.screen.query_one(Input).value = "try lr 0.5"
        await pilot.press("enter")
        await pilot.pause()
        assert store.get_run(ids["part1-small"]).note == "try lr 0.5"
        assert "try lr 0.5" in text_of(app.screen, "#run-summary")
        await pilot.press("n", "escape")  # esc leaves the note as it was
        assert store.get_run(ids["part1-small"]).note == "try lr 0.5"


async def test_z_zooms_the_accuracy_axis(store, ids):
    app = Host(store, ids["part2-narrow"])
    async with app.run_test(size=(100, 32)) as pilot:
        chart = app.screen.query_one("#run-accuracy", ChartView)
        await pilot.pause()
        assert "100┤" in chart.plain_text
        await pilot.press("z")
        await pilot.pause()
        assert chart.zoom and "100┤" not in chart.plain_text and "zoomed" in str(chart.border_title)


async def test_a_run_with_no_epochs_waits(store):
    from engine.spec import make_spec

    run_id = store.start_run("part1-small", "part1-small", make_spec(name="live", hidden_layers=[8]))

    app = Host(store, run_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "waiting for epoch 1" in app.screen.query_one("#run-accuracy", ChartView).plain_text
        assert "No gradients" in text_of(app.screen, "#run-gradients")
        await pilot.press("d")
        assert isinstance(app.screen, RunScreen)  # a running run is never deleted


async def test_the_gradients_table_fits_80_columns_with_the_first_and_last_epoch(store, ids):
    app = Host(store, ids["part2-narrow"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        grads = app.screen.query_one("#run-gradients", Static)
        console = Console(width=grads.content_region.width, record=True)
        console.print(grads.content)
        text = console.export_text()
        assert "…" not in text and "ep 1 " in text and "ep 10" in text and "dense 10" in text


async def test_a_running_run_grows_on_screen(store):
    from tui_fakes import app_without_worker, until

    from engine.events import EpochEnd, Finished
    from engine.spec import make_spec

    run_id = store.start_run("part1-small", "part1-small", make_spec(name="live", hidden_layers=[8], epochs=3))

    app = app_without_worker(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(RunScreen(store, run_id))
        screen = app.screen
        chart = screen.query_one("#run-accuracy", ChartView)
        await pilot.pause()
        assert "waiting for epoch 1" in chart.plain_text
        store.add_epoch(run_id, EpochEnd(1, 0.5, 0.8, 0.6, 0.75, 1.0, None))
        await until(pilot, lambda: "* train (epoch mean) 80.0%" in chart.plain_text, what="epoch 1 on screen")
        store.finish_run(run_id, Finished(run_id, "cancelled", 1))
        await until(pilot, lambda: screen.run.status == "cancelled", what="the run's end on screen")
