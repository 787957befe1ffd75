"""App-wide behaviour: the command palette, help, quitting, NO_COLOR, and TensorFlow's native log kept
off the screen."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

from rich.console import Console
from textual.command import CommandList, CommandPalette
from tui_fakes import until

from tui.screens.editor import EditorScreen
from tui.screens.help import HelpScreen, keys_table
from tui.screens.home import HomeScreen


async def test_palette_offers_the_screens_keys_and_runs_them(app_factory, store):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Train", "Train part", "Train all", "Edit", "Compare", "Answers", "Help", "Quit"):
            assert title in titles
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"train part")
        await until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0, what="palette matches")
        await pilot.press("enter")
        await until(pilot, lambda: app.view is not None and not app.live.busy, what="the queued part")
    assert sorted(r.preset for r in store.runs()) == ["part1-large", "part1-small"]


async def test_palette_on_the_editor_offers_save_and_train(app_factory):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, EditorScreen)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Save preset", "Train", "Back"} <= set(titles)


async def test_help_lists_every_key_and_closes(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=80, record=True, file=io.StringIO())
        console.print(keys_table(app))
        text = console.export_text()
        for heading in ("Everywhere", "Home", "Editor", "Training", "Compare", "Answers"):
            assert heading in text
        for key, words in (
            ("t", "Train the highlighted"), ("T", "Queue every preset"), ("A", "whole exercise"),
            ("e", "Edit the highlighted"),
            ("c", "Compare stored runs"), ("a", "answers"), ("s", "Stop training"), ("?", "Every key"),
            ("esc", "Back"), ("q", "Quit"), ("^t", "Train the network"), ("^s", "Save the form"),
            ("^p", "Command palette"),
        ):  # fmt: skip
            assert any(line.split()[:1] == [key] and words in line for line in text.splitlines()), key
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_f1_opens_help_from_a_text_field_where_question_mark_is_typed(app_factory):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("e", "question_mark")
        assert isinstance(app.screen, EditorScreen) and app.focused.value.endswith("?")
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)


async def test_q_quits_when_idle(app_factory):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


def test_no_color_is_respected(app_factory, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert app_factory().no_color is True  # Textual then renders in monochrome
    monkeypatch.delenv("NO_COLOR")
    assert app_factory().no_color is False


def test_native_stderr_goes_to_the_log_while_the_app_draws_on_the_terminal(tmp_path):
    """fd 2 (where TensorFlow's C++ logs) points at the log; sys.__stderr__ (where Textual draws) does not."""
    log = tmp_path / "state" / "tui.log"
    code = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from tui.native_log import native_stderr_to_log
        with native_stderr_to_log(Path({str(log)!r})):
            os.write(2, b"native tensorflow noise\\n")
            sys.__stderr__.write("textual frame\\n")
            sys.__stderr__.flush()
        os.write(2, b"after the app\\n")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_env())
    assert "textual frame" in out.stderr and "after the app" in out.stderr
    assert "native tensorflow noise" not in out.stderr
    assert log.read_text() == "native tensorflow noise\n"


def _env():
    import os

    env = dict(os.environ)
    env.pop("MNIST_TUI_DEBUG", None)
    return env


async def test_the_palette_reaches_every_screen_from_anywhere(app_factory):
    from tui.screens.compare import CompareScreen

    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("e")  # on the editor, Compare's key is not bound
        titles = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {"Go to Home", "Go to Training", "Go to Compare", "Go to Answers"} <= set(titles)
        titles["Go to Compare"].callback()
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        app.action_go_home()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_backspace_goes_back_like_escape_without_the_escape_wait(app_factory):
    """In a terminal a lone escape byte is only delivered once no sequence follows it (about 100 ms);
    backspace is one unambiguous byte, so Back on the screens without text fields answers at once."""
    from tui.screens.answers import AnswersScreen
    from tui.screens.compare import CompareScreen

    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        for key, screen in (("c", CompareScreen), ("a", AnswersScreen)):
            await pilot.press(key)
            await until(pilot, lambda s=screen: isinstance(app.screen, s), what=screen.__name__)
            await pilot.press("backspace")
            await until(pilot, lambda: isinstance(app.screen, HomeScreen), what="back on Home")
        help_text = Console(width=100, record=True)
        help_text.print(keys_table(app))
        assert "esc / ⌫" in help_text.export_text()  # help lists both keys
