"""CompareScreen in a tiny host app: sorting, filtering, picking runs, the overlaid curves of exactly the
picked runs (any metric), the side-by-side settings, opening, labelling and deleting a run."""

from __future__ import annotations

import pytest
from known_runs import add_run, fill_exercise
from rich.console import Console
from textual.app import App
from textual.widgets import DataTable, Input, Static
from tui_fakes import until

from engine.store import Store
from tui.compare_picks import layers_diff
from tui.compare_table import sort_runs
from tui.screens.answers import AnswersScreen
from tui.screens.compare import CompareScreen
from tui.screens.dialogs import ConfirmDialog, TextDialog
from tui.screens.run import RunScreen
from tui.widgets.chart_view import ChartView


class Host(App):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def on_mount(self) -> None:
        self.push_screen(CompareScreen(self.store))


@pytest.fixture
def ids(store):
    return fill_exercise(store)


def plain(renderable) -> str:
    console = Console(width=120, record=True)
    console.print(renderable)
    return console.export_text()


def pick(screen, run_id: int) -> None:
    table = screen.query_one(DataTable)
    table.move_cursor(row=table.get_row_index(str(run_id)))


def test_sort_runs_puts_missing_values_last(store, ids):
    runs = store.runs()
    by_test = [r.preset for r in sort_runs(runs, "test", descending=True)]
    assert by_test[:3] == ["part3", "part3", "part1-small"]  # the cancelled run (99%) heads it: sorting, not judging
    by_params = [r.run_id for r in sort_runs(runs, "params", descending=False)]
    assert by_params[0] == ids["part2-narrow"]


async def test_table_fits_80_columns_hides_cancelled_runs_and_sorts_by_keys(store, ids):
    app = Host(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        table = screen.query_one(DataTable)
        assert table.row_count == 6  # the cancelled part3 run is hidden by default
        assert "1 failed/cancelled hidden (h)" in str(screen.query_one("#sort-line", Static).render())
        assert table.virtual_size.width <= table.size.width  # no sideways scrolling at 80 columns
        long = add_run(store, "part2-narrow", [8] * 10, train=0.1, val=0.1, test=0.1, name="Part Two, narrow")
        screen.action_reload()
        await pilot.pause()
        assert table.virtual_size.width <= table.size.width  # nor with a name of the full 16 characters
        store.delete_run(long)
        screen.action_reload()
        await pilot.pause()
        assert screen.order[0] == max(screen.order)  # newest first
        row = table.get_row(str(ids["part1-large"]))
        assert [str(c) for c in row[1:]] == [
            str(ids["part1-large"]), "part1-large", "42 0.1", "completed", "89.27", "89.20", "90.35",
            "305,290", "10",
        ]  # fmt: skip
        for _ in range(7):  # run -> name -> seed lr -> status -> val -> test -> train -> params
            await pilot.press("o")
        assert screen.table_view.sort_key == "params" and screen.table_view.descending
        assert screen.order[0] == ids["part1-large"] and screen.order[-1] == ids["part2-narrow"]
        await pilot.press("O")
        assert screen.order[0] == ids["part2-narrow"]
        assert "by params ↑" in str(screen.query_one("#sort-line", Static).render())
        await pilot.press("h")  # show the hidden ones
        assert table.row_count == 7


async def test_filters_by_part_and_status(store, ids):
    app = Host(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.press("p")  # the first exercise part, as a whole
        assert screen.table_view.part == "Part One"
        assert sorted(screen.order) == sorted([ids["part1-large"], ids["part1-small"]])
        await pilot.press("p", "p", "p")  # Part Two, Part Three, then each preset part
        assert screen.table_view.part == "part1-large" and screen.order == [ids["part1-large"]]
        for _ in range(5):  # part1-small, part2-*, part3
            await pilot.press("p")
        assert screen.table_view.part == "part3" and screen.order == [ids["part3"]]
        await pilot.press("f", "f", "f", "f", "f")  # completed, running, diverged, failed, cancelled
        assert screen.table_view.status == "cancelled" and len(screen.order) == 1  # a status asked for shows
        assert screen.order != [ids["part3"]]


async def test_space_picks_without_moving_and_the_chart_overlays_exactly_the_picks(store, ids):
    app = Host(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        table = screen.query_one(DataTable)
        pick(screen, ids["part1-small"])
        row = table.cursor_row
        await pilot.press("space")
        assert table.cursor_row == row  # the cursor stays on the picked run
        pick(screen, ids["part3"])
        await pilot.press("space")
        assert screen.picked == [ids["part1-small"], ids["part3"]]
        assert screen.plotted == [ids["part1-small"], ids["part3"]]
        await pilot.pause()
        chart = screen.query_one("#overlay", ChartView)
        legend = chart.plain_text.splitlines()[0]
        assert f"o #{ids['part1-small']} 90.4%" in legend and f"x #{ids['part3']} 93.7%" in legend
        assert "Validation accuracy" in str(chart.border_title)
        assert table.get_row(str(ids["part3"]))[0] == "✓"
        await pilot.press("space")  # unpick the highlighted one
        assert screen.picked == [ids["part1-small"]]
        await pilot.press("x")
        assert screen.picked == [] and screen.plotted == []


async def test_m_cycles_the_overlaid_metric(store, ids):
    app = Host(store)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        pick(screen, ids["part3"])
        await pilot.press("space")
        chart = screen.query_one("#overlay", ChartView)
        titles = []
        for _ in range(4):
            await pilot.pause()
            titles.append((str(chart.border_title).split(" (")[0].split(" ·")[0], chart.kind))
            await pilot.press("m")
        assert titles == [
            ("Validation accuracy", "percent"), ("Training accuracy", "percent"),
            ("Validation loss", "loss"), ("Training loss", "loss"),
        ]  # fmt: skip
        await pilot.press("m", "m", "m")  # training loss again
        await pilot.pause()
        assert f"o #{ids['part3']} 0.05" in chart.plain_text  # training loss 1/20 at epoch 20
        assert "  0┤" in chart.plain_text  # loss from 0


async def test_v_sets_the_picked_runs_side_by_side(store, ids):
    app = Host(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        for run_id in (ids["part1-small"], ids["part3"]):
            pick(screen, run_id)
            await pilot.press("space")
        await pilot.press("v")
        assert screen.query_one("#diff-pane").display and not screen.query_one("#overlay").display
        text = plain(screen.query_one("#diff", Static).content)
        assert "256, 128, 64" in text and "48" in text and "≠ learning rate" in text
        await pilot.press("v")
        assert screen.query_one("#overlay").display


async def test_answers_use_exactly_the_picks_in_order(store, ids):
    app = Host(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("a")  # nothing picked: a hint, no screen
        assert isinstance(app.screen, CompareScreen)
        for run_id in (ids["part1-large"], ids["part3"], ids["part1-small"]):
            pick(app.screen, run_id)
            await pilot.press("space")
        await pilot.press("a")
        assert isinstance(app.screen, AnswersScreen)
        assert app.screen.run_ids == [ids["part1-large"], ids["part3"], ids["part1-small"]]
        await pilot.press("escape")
        assert isinstance(app.screen, CompareScreen)


async def test_enter_opens_the_run_and_escape_comes_back(store, ids):
    app = Host(store)
    async with app.run_test(size=(80, 24)) as pilot:
        pick(app.screen, ids["part3"])
        await pilot.press("enter")
        assert isinstance(app.screen, RunScreen) and app.screen.run_id == ids["part3"]
        await pilot.press("escape")
        assert isinstance(app.screen, CompareScreen)


async def test_d_deletes_after_yes_and_l_labels(store, ids):
    app = Host(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        pick(screen, ids["part1-large"])
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert store.get_run(ids["part1-large"]) is not None
        await pilot.press("d", "y")
        await pilot.pause()
        assert store.get_run(ids["part1-large"]) is None and ids["part1-large"] not in screen.order
        pick(screen, ids["part3"])
        await pilot.press("l")
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one(Input).value = "[b]deep one"
        await pilot.press("enter")
        await pilot.pause()
        assert store.get_run(ids["part3"]).label == "[b]deep one"
        assert str(screen.query_one(DataTable).get_row(str(ids["part3"]))[2]) == "[b]deep one"


async def test_a_running_run_is_not_deleted(store):
    from engine.spec import make_spec

    run_id = store.start_run("part1-small", "part1-small", make_spec(name="live", hidden_layers=[8]))

    app = Host(store)
    async with app.run_test(size=(80, 24)) as pilot:
        pick(app.screen, run_id)
        await pilot.press("d")
        assert isinstance(app.screen, CompareScreen)  # no question: refused with a hint
        assert store.get_run(run_id) is not None


async def test_empty_store_says_so(store):
    app = Host(store)
    async with app.run_test(size=(80, 24)):
        assert app.screen.query_one(DataTable).row_count == 0
        assert "no runs yet" in str(app.screen.query_one("#sort-line", Static).render())


async def test_the_table_gives_spare_rows_to_the_chart(store):
    add_run(store, "part1-small", [48], train=0.9, val=0.9, test=0.9)

    app = Host(store)
    async with app.run_test(size=(80, 24)):
        table, chart = app.screen.query_one(DataTable), app.screen.query_one("#overlay")
        assert table.size.height <= 3  # header and one row
        assert chart.size.height >= 14


def test_layers_diff(store, ids):
    run = store.get_run(ids["part3"])
    text = plain(layers_diff([run, run]))
    assert "≠" not in text and "256, 128, 64" in text
    assert "Pick runs" in str(layers_diff([]))


async def test_answers_from_picks_1_3_2_use_exactly_those_runs(store):
    from known_runs import PART_TWO_SHAPES

    first = add_run(store, "part1-large", [384], train=0.9, val=0.89, test=0.89)
    second = add_run(store, "part1-small", [48], train=0.9, val=0.9, test=0.9)
    third = add_run(store, "part2-narrow", PART_TWO_SHAPES["part2-narrow"], train=0.11, val=0.11, test=0.11)
    later = (("part1-large", [300]), ("part3", [9] * 3))
    newer = [add_run(store, part, hidden, train=0.5, val=0.5, test=0.5) for part, hidden in later]

    app = Host(store)
    async with app.run_test(size=(80, 24)) as pilot:
        for run_id in (first, third, second):
            pick(app.screen, run_id)
            await pilot.press("space")
        await pilot.press("a")
        answers = app.screen
        assert isinstance(answers, AnswersScreen) and answers.run_ids == [first, third, second]
        await until(pilot, lambda: "MNIST exercise" in answers.markdown_text, what="the answers")
        text = answers.markdown_text
        for run_id in (first, second, third):
            assert f"run {run_id}," in text
        for run_id in newer:  # newer runs of the same parts are not picked: never used
            assert f"run {run_id}," not in text
