"""Snapshots of Home, the editor, a run, Compare (two runs picked), Answers and Help at 80x24 and 100x32.

Deterministic: known runs (tests/known_runs.py) with fixed times and host, a data path that does not
exist (the data line says so the same way everywhere), an isolated config dir, the answers dated and their
store path fixed, and every text cursor's blink off (the `screenshot` fixture). Regenerate with
`pytest tests/tui/test_snapshot_screens.py --snapshot-update` and look at the SVGs before committing them.
"""

from __future__ import annotations

from datetime import date

import pytest
from known_runs import fill_exercise
from textual.widgets import DataTable
from tui_fakes import until

SIZES = [(80, 24), (100, 32)]
DATA = "/data/mnist.npz"  # never read: Home only looks whether it exists


@pytest.fixture
def ids(store):
    ids = fill_exercise(store)
    store.db.write("UPDATE runs SET started_at='2026-01-01T10:00:00+00:00', finished_at='2026-01-01T10:05:00+00:00',"
                   " host='test-host'")  # fmt: skip
    return ids


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_home(screenshot, app_factory, ids, size):
    assert screenshot(app_factory(data=DATA), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_editor(screenshot, app_factory, size):
    async def open_editor(pilot):
        await pilot.press("e")
        await pilot.pause()

    assert screenshot(app_factory(data=DATA), terminal_size=size, run_before=open_editor)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_run(screenshot, app_factory, ids, size):
    async def open_run(pilot):
        from tui.screens.run import RunScreen

        pilot.app.push_screen(RunScreen(pilot.app.store, ids["part2-narrow"]))
        await pilot.pause()

    assert screenshot(app_factory(data=DATA), terminal_size=size, run_before=open_run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_compare_two_picked(screenshot, app_factory, ids, size):
    async def pick_two(pilot):
        await pilot.press("c")
        table = pilot.app.screen.query_one(DataTable)
        for run_id in (ids["part1-small"], ids["part2-wide"]):
            table.move_cursor(row=table.get_row_index(str(run_id)))
            await pilot.press("space")
        await pilot.pause()

    assert screenshot(app_factory(data=DATA), terminal_size=size, run_before=pick_two)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_answers(screenshot, app_factory, ids, size, monkeypatch):
    import engine.report

    real = engine.report.export_markdown

    def dated(store, run_ids=None):
        return real(store, run_ids, today=date(2026, 1, 1)).replace(str(store.path), "/store/runs.sqlite3")

    monkeypatch.setattr(engine.report, "export_markdown", dated)

    async def open_answers(pilot):
        from tui.screens.answers import AnswersScreen

        screen = AnswersScreen(pilot.app.store, out_path="/out/answers.md")
        pilot.app.push_screen(screen)
        await until(pilot, lambda: screen.markdown_text, what="the answers shown")
        await pilot.pause()

    assert screenshot(app_factory(data=DATA), terminal_size=size, run_before=open_answers)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(screenshot, app_factory, size):
    async def open_help(pilot):
        await pilot.press("question_mark")
        await pilot.pause()

    assert screenshot(app_factory(data=DATA), terminal_size=size, run_before=open_help)
