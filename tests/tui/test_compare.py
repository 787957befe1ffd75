"""CompareScreen in a tiny host app: sorting, picking runs, the overlaid curves and the layers view."""

from __future__ import annotations

import asyncio

import pytest
from known_runs import fill_exercise
from textual.app import App
from textual.widgets import DataTable, Static

from engine.store import Store
from tui.screens.answers import AnswersScreen
from tui.screens.compare import CompareScreen, layers_diff, sort_runs


class Host(App):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def on_mount(self) -> None:
        self.push_screen(CompareScreen(self.store))


@pytest.fixture
def ids(store):
    return fill_exercise(store)


def test_sort_runs_puts_missing_values_last(store, ids):
    runs = store.runs()
    by_test = [r.preset for r in sort_runs(runs, "test", descending=True)]
    assert by_test[:3] == ["part3", "part3", "part1-small"]  # the cancelled run (99%) heads it: sorting, not judging
    by_params = [r.run_id for r in sort_runs(runs, "params", descending=False)]
    assert by_params[0] == ids["part2-narrow"]


def test_table_lists_every_run_and_sorts_by_keys(store, ids):
    async def scenario():
        app = Host(store)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = app.screen
            assert isinstance(screen, CompareScreen)
            table = screen.query_one(DataTable)
            assert table.row_count == 7
            assert screen.order[0] == max(screen.order)  # newest first
            row = table.get_row(str(ids["part1-large"]))
            assert row[1:] == [
                str(ids["part1-large"]), "part1-large", "completed", "89.27%", "89.20%", "90.35%", "305,290", "10",
                "0.38", "304,896", "394", "384", "part1-large",
            ]  # fmt: skip
            for _ in range(6):  # run -> network -> status -> val -> test -> train -> params
                await pilot.press("o")
            assert screen.sort_key == "params" and screen.descending
            assert screen.order[0] == ids["part1-large"] and screen.order[-1] == ids["part2-narrow"]
            await pilot.press("O")
            assert screen.order[0] == ids["part2-narrow"]
            assert "sorted by params ↑" in str(screen.query_one("#sort-line", Static).render())

    asyncio.run(scenario())


def test_pick_two_runs_overlays_their_curves_and_diffs_layers(store, ids):
    async def scenario():
        app = Host(store)
        async with app.run_test(size=(100, 30)) as pilot:
            screen = app.screen
            table = screen.query_one(DataTable)
            table.move_cursor(row=table.get_row_index(str(ids["part1-small"])))
            await pilot.press("space")
            table.move_cursor(row=table.get_row_index(str(ids["part3"])))
            await pilot.press("space")
            assert screen.picked == [ids["part1-small"], ids["part3"]]
            assert screen.plotted == [ids["part1-small"], ids["part3"]]
            assert screen.chart_title == f"o #{ids['part1-small']}  x #{ids['part3']}"
            assert table.get_row(str(ids["part3"]))[0] == "✓"
            diff = str(screen.query_one("#diff", Static).render())
            assert "784 → 48 → 10" in diff and "784 → 256, 128, 64 → 10" in diff
            assert "hidden layers: " in diff and "epochs planned: " in diff  # they differ in both
            await pilot.press("space")  # the cursor moved on: a third pick, then clear
            await pilot.press("x")
            assert screen.picked == [] and screen.plotted == []

    asyncio.run(scenario())


def test_answers_from_picked_runs_and_escape_back(store, ids):
    async def scenario():
        app = Host(store)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("a")  # nothing picked: a hint, no screen
            assert isinstance(app.screen, CompareScreen)
            table = app.screen.query_one(DataTable)
            table.move_cursor(row=table.get_row_index(str(ids["part3"])))
            await pilot.press("space", "a")
            assert isinstance(app.screen, AnswersScreen) and app.screen.run_ids == [ids["part3"]]
            await pilot.press("escape")
            assert isinstance(app.screen, CompareScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, CompareScreen)

    asyncio.run(scenario())


def test_empty_store_says_so(store):
    async def scenario():
        app = Host(store)
        async with app.run_test(size=(80, 24)):
            assert app.screen.query_one(DataTable).row_count == 0
            assert "no runs yet" in str(app.screen.query_one("#sort-line", Static).render())

    asyncio.run(scenario())


def test_layers_diff_same_spec(store, ids):
    run = store.get_run(ids["part3"])
    assert "Same spec in every picked run." in str(layers_diff([run, run]))
    assert "Pick runs" in str(layers_diff([]))
