"""AnswersScreen in a tiny host app: the export shown as markdown, a note edited and saved, the file written."""

from __future__ import annotations

import pytest
from known_runs import fill_exercise
from textual.app import App
from textual.widgets import Markdown, Static, TabbedContent, TextArea
from tui_fakes import record_notifications

from engine.report import export_markdown
from engine.store import Store
from tui.screens.answers import AnswersScreen


class Host(App):
    def __init__(self, screen_factory) -> None:
        super().__init__()
        self.screen_factory = screen_factory

    def on_mount(self) -> None:
        self.push_screen(self.screen_factory())


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "runs.sqlite3")
    fill_exercise(s)
    yield s
    s.close()


async def settle(app, pilot) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_markdown_shows_the_export(store, tmp_path):
    app = Host(lambda: AnswersScreen(store, out_path=tmp_path / "answers.md"))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        # the same text `mnist-tui export` writes (bar the date line, which is the same day)
        assert screen.markdown_text == export_markdown(store)
        assert screen.query_one(Markdown).source == screen.markdown_text
        assert "Validation accuracy after 10 epochs:** 89.27%" in screen.markdown_text


async def test_note_edited_and_saved_into_the_answers(store, tmp_path):
    app = Host(lambda: AnswersScreen(store, out_path=tmp_path / "answers.md"))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        screen.query_one(TabbedContent).active = "tab-part2-hypothesis"
        await pilot.press("n")
        assert screen.focused is screen.query_one("#note-part2-hypothesis", TextArea)
        await pilot.press(*"gradients vanish")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert store.get_notes() == {"part2-hypothesis": "gradients vanish"}
        assert "> gradients vanish" in screen.markdown_text


async def test_escape_from_a_note_saves_it_and_returns_to_the_answers(store, tmp_path):
    app = Host(lambda: AnswersScreen(store, out_path=tmp_path / "answers.md"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("n", *"wide is slow", "escape")
        assert store.get_notes()["part1"] == "wide is slow"
        assert app.screen is screen and not isinstance(screen.focused, TextArea)
        await pilot.press("escape")
        assert app.screen is not screen


async def test_write_key_writes_the_file_and_shows_the_path(store, tmp_path):
    out = tmp_path / "answers.md"
    app = Host(lambda: AnswersScreen(store, out_path=out))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("n", *"my note", "tab")  # unsaved note: `w` saves it first
        await pilot.press("w")
        await settle(app, pilot)
        text = out.read_text(encoding="utf-8")
        assert "> my note" in text and "\x1b" not in text
        assert screen.written == out.resolve()
        assert f"Written to {out.resolve()}" in str(screen.query_one("#answers-status", Static).render())


async def test_unwritable_path_is_a_notification_not_a_crash(store, tmp_path):
    app = Host(lambda: AnswersScreen(store, out_path=tmp_path / "no-such-dir" / "answers.md"))
    app.notes = record_notifications(app)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
        assert app.screen.written is None
        assert any("does not exist" in n.message for n in app.notes)


async def test_picked_runs_scope_the_answers(store, tmp_path):
    part3 = store.runs(status="completed")[0].run_id
    app = Host(lambda: AnswersScreen(store, run_ids=[part3], out_path=tmp_path / "a.md"))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(app, pilot)
        assert app.screen.markdown_text == export_markdown(store, [part3])
        assert f"runs {part3} as picked" in str(app.screen.query_one("#answers-status", Static).render())
