"""The sweep screen at 80x24 and 100x32: progress, the scatter (a mark per run, one per point's mean,
groups by depth or a swept field), the points' table sorted by mean accuracy with n and sd, the best
point; v, g, o and f; the scatter growing as another process stores runs; reachable from Home (S) and the
command palette."""

from __future__ import annotations

import pytest
from sweep_stores import SIZE_AND_RATE, add_point_run, add_sweep
from textual.widgets import DataTable, Static
from tui_fakes import app_without_worker, sweep_host, text_of, until

from engine.store import Store
from tui.screens.sweep import SweepScreen
from tui.widgets.sweep_plot import SweepPlot

SIZES = [(80, 24), (100, 32)]


@pytest.fixture
def plan(store):
    _, plan = add_sweep(store, SIZE_AND_RATE)
    for index, tests in ((1, (0.80, 0.82)), (2, (0.86, 0.88)), (3, (0.84, 0.89)), (5, (0.70,))):
        for seed, test in enumerate(tests):
            add_point_run(store, 1, plan, index, test, val=test - 0.01, seed=seed)
    return plan


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_progress_scatter_table_and_best_point_fit_the_screen(store, plan, size):
    app = sweep_host(store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        head = text_of(screen.query_one("#sweep-head", Static))
        assert "Sweep 1: size and rate · grid · 6 points x 2 seeds" in head
        assert "7/12 done · 0 running · 5 queued · 0 failed" in head
        chart = screen.query_one(SweepPlot)
        text = chart.plain_text
        assert text.startswith("test % vs params (log) · means by depth: o depth 1  x depth 2")
        assert "·" in text.split("\n", 2)[2] and "o" in text.split("\n", 2)[2] and "x" in text.split("\n", 2)[2]
        assert "16k" in text or "20k" in text  # parameters on a log axis: 12,730 to 50,890
        assert chart.size.height >= 8 and chart.size.width >= 76
        best = text_of(screen.query_one("#best", Static))
        assert best.startswith("Best so far (test): #2 layers 16 · lr 0.5 · 87.00 ± 1.41% (n 2)")
        table = screen.query_one(DataTable)
        assert screen.table_order == [2, 3, 1, 5, 4, 6]  # mean test accuracy, best first; unmeasured last
        assert [str(c) for c in table.get_row("3")] == [
            "3", "layers 64 · lr 0.1", "50,890", "2", "85.50 ± 3.54", "86.50 ± 3.54",
        ]  # fmt: skip
        assert table.virtual_size.width <= table.size.width  # no sideways scrolling
        assert table.region.bottom <= size[1] - 1  # above the footer


async def test_keys_switch_metric_marks_order_and_axis(store, plan):
    app = sweep_host(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        chart = screen.query_one(SweepPlot)
        await pilot.press("v")
        assert chart.plain_text.startswith("validation % vs params (log)")
        assert "Best so far (validation): #2" in text_of(screen.query_one("#best", Static))
        await pilot.press("g")
        assert "means by lr: o lr 0.1  x lr 0.5" in chart.plain_text
        await pilot.press("g")
        assert "means by depth" in chart.plain_text
        await pilot.press("o")
        assert screen.table_order == [5, 1, 3, 2, 4, 6]  # mean up
        await pilot.press("o")
        assert screen.table_order == [1, 2, 5, 6, 3, 4]  # params up: 12,730, 2 x 32's 26,506, 50,890
        await pilot.press("o")
        assert screen.table_order == [1, 2, 3, 4, 5, 6]
        await pilot.press("f")
        assert "100┤" in chart.plain_text and " 0┤" in chart.plain_text


async def test_the_scatter_grows_as_another_process_stores_runs(store, plan):
    app = app_without_worker(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(SweepScreen(store))
        await pilot.pause()
        screen = app.screen
        before = screen.query_one(SweepPlot).plain_text
        other = Store(store.path)  # the worker's own connection
        try:
            add_point_run(other, 1, plan, 4, 0.93)
        finally:
            other.close()
        await until(pilot, lambda: "8/12 done" in text_of(screen.query_one("#sweep-head", Static)), what="poll")
        assert screen.query_one(SweepPlot).plain_text != before
        assert screen.table_order[0] == 4
        assert "Best so far (test): #4 layers 64 · lr 0.5 · 93.00% (n 1)" in text_of(screen.query_one("#best"))


async def test_without_a_sweep_the_screen_says_how_to_make_one(store):
    app = sweep_host(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "No sweep yet" in text_of(app.screen.query_one("#sweep-head", Static))
        assert "no finished run yet" in app.screen.query_one(SweepPlot).plain_text


async def test_cancel_from_the_screen_drops_the_queued_runs(store, plan):
    app = sweep_host(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("x", "y")
        await until(pilot, lambda: "5 cancelled" in text_of(app.screen.query_one("#sweep-head", Static)))
        assert store.jobs.waiting() == [] and store.sweeps.get(1).cancelled


async def test_home_opens_it_with_S_and_the_palette_lists_it(app_factory, store, plan):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Go to Sweep" in titles
        await pilot.press("S")
        await until(pilot, lambda: isinstance(app.screen, SweepScreen), what="the sweep screen")
        assert "Sweep 1: size and rate" in text_of(app.screen.query_one("#sweep-head", Static))
        assert "Go to Sweep" not in [c.title for c in app.get_system_commands(app.screen)]
        await pilot.press("escape")
        assert not isinstance(app.screen, SweepScreen)


def test_a_sweep_run_that_completes_raises_no_toast_but_a_failed_one_does(app_factory, store, plan):
    from engine.events import Finished
    from tui.run_view import RunView

    app = app_factory()
    for status, toasts in (("completed", 0), ("failed", 1)):
        app.notes.clear()
        run_id = add_point_run(store, 1, plan, 6, 0.5)
        running = store.get_run(run_id)
        running.status = "running"
        store.finish_run(run_id, Finished(run_id, status, 10))
        app._tell_if_ended(RunView(None, running, None), RunView(None, store.get_run(run_id), None))
        assert len(app.notes) == toasts
