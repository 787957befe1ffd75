"""Snapshots of Home, the editor, a run, Compare (two runs picked), Answers and Help at 80x24 and 100x32.

Deterministic: known runs (tests/known_runs.py) with fixed times and host, a data path that does not
exist (the data line says so the same way everywhere), an isolated config dir, the answers dated and their
store path fixed, and every text cursor's blink off. Regenerate with
`pytest tests/tui/test_snapshot_screens.py --snapshot-update` and look at the SVGs before committing them.
"""

from __future__ import annotations

from datetime import date

import pytest
from known_runs import fill_exercise
from textual.widgets import DataTable, Input, TextArea

SIZES = [(80, 24), (100, 32)]
DATA = "/data/mnist.npz"  # never read: Home only looks whether it exists


@pytest.fixture
def ids(store):
    ids = fill_exercise(store)
    store.db.write("UPDATE runs SET started_at='2026-01-01T10:00:00+00:00', finished_at='2026-01-01T10:05:00+00:00',"
                   " host='test-host'")  # fmt: skip
    return ids


async def settle(pilot) -> None:
    await pilot.pause()
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(snap_compare, app_factory, ids, size):
    assert snap_compare(app_factory(data=DATA), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_editor(snap_compare, app_factory, size):
    async def open_editor(pilot):
        await pilot.press("e")
        await settle(pilot)

    assert snap_compare(app_factory(data=DATA), terminal_size=size, run_before=open_editor)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_run(snap_compare, app_factory, ids, size):
    async def open_run(pilot):
        from tui.screens.run import RunScreen

        pilot.app.push_screen(RunScreen(pilot.app.store, ids["part2-narrow"]))
        await settle(pilot)

    assert snap_compare(app_factory(data=DATA), terminal_size=size, run_before=open_run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_compare_two_picked(snap_compare, app_factory, ids, size):
    async def pick_two(pilot):
        await pilot.press("c")
        table = pilot.app.screen.query_one(DataTable)
        for run_id in (ids["part1-small"], ids["part2-wide"]):
            table.move_cursor(row=table.get_row_index(str(run_id)))
            await pilot.press("space")
        await settle(pilot)

    assert snap_compare(app_factory(data=DATA), terminal_size=size, run_before=pick_two)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_answers(snap_compare, app_factory, ids, size, monkeypatch):
    import engine.report

    real = engine.report.export_markdown

    def dated(store, run_ids=None):
        return real(store, run_ids, today=date(2026, 1, 1)).replace(str(store.path), "/store/runs.sqlite3")

    monkeypatch.setattr(engine.report, "export_markdown", dated)

    async def open_answers(pilot):
        from tui.screens.answers import AnswersScreen

        pilot.app.push_screen(AnswersScreen(pilot.app.store, out_path="/out/answers.md"))
        await pilot.pause(0.5)
        await pilot.app.workers.wait_for_complete()
        await settle(pilot)

    assert snap_compare(app_factory(data=DATA), terminal_size=size, run_before=open_answers)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, app_factory, size):
    async def open_help(pilot):
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app_factory(data=DATA), terminal_size=size, run_before=open_help)
