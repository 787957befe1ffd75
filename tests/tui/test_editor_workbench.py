"""Editor: esc asks before dropping unsaved changes, a saved copy is the user's own (description, title),
and the "Rules of" choices are short enough not to wrap over the labels."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Select

from engine.presets import user_presets
from tui.screens.dialogs import ConfirmDialog
from tui.screens.editor import EditorScreen
from tui.screens.home import HomeScreen


async def open_editor(pilot) -> EditorScreen:
    await pilot.press("e")
    assert isinstance(pilot.app.screen, EditorScreen)
    return pilot.app.screen


async def test_esc_leaves_at_once_when_nothing_changed(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_editor(pilot)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_esc_with_unsaved_changes_asks_and_saving_makes_it_clean(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#f-epochs", Input).focus()
        await pilot.press("ctrl+u", "ctrl+k", "2", "0")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert app.screen is editor and editor.query_one("#f-epochs", Input).value == "20"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not editor.dirty
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_esc_then_yes_drops_the_changes(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#f-seed", Input).focus()
        await pilot.press("9")
        await pilot.press("escape", "y")
        assert isinstance(app.screen, HomeScreen)
        assert user_presets() == []


async def test_a_saved_copy_has_its_own_description_and_title(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        assert "Copy of part1-large" in str(editor.query_one("#form").border_title)
        await pilot.press("ctrl+s")
        await pilot.pause()
        saved = user_presets()
        assert len(saved) == 1
        assert saved[0].spec.name == "Part One, large (copy)"
        assert saved[0].spec.description == "Edited from the built-in part1-large."
        assert str(editor.query_one("#form").border_title) == f"Your preset {saved[0].id}"


async def test_rules_of_choices_fit_beside_their_label_at_80_columns(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        editor = await open_editor(pilot)
        select = editor.query_one("#f-part", Select)
        select.focus()
        await pilot.press("enter")  # open the choices
        await pilot.pause()
        choices = select.query_one(OptionList)
        assert select.expanded and choices.option_count == 7
        assert choices.virtual_size.height == choices.option_count  # one line each: nothing wraps
