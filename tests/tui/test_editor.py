"""The editor with Pilot: inline errors as you type, training refused while invalid, live counts, save."""

from __future__ import annotations

from textual.widgets import Input, Select
from tui_fakes import text_of, until

from engine.presets import user_presets_dir
from tui.screens.editor import EditorScreen
from tui.screens.home import HomeScreen
from tui.screens.training import TrainingScreen
from tui.widgets.preset_list import PresetList


async def open_editor(pilot, *keys: str) -> EditorScreen:
    await pilot.press(*keys, "e")
    assert isinstance(pilot.app.screen, EditorScreen)
    return pilot.app.screen


async def type_into(pilot, screen, field: str, text: str) -> None:
    """Focus a field, clear it and type like a person (every keystroke validates)."""
    screen.query_one(f"#f-{field}", Input).focus()
    await pilot.press("ctrl+u", "ctrl+k", *text)


async def test_invalid_values_show_inline_and_training_is_refused(app_factory, store):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        editor = await open_editor(pilot)
        await type_into(pilot, editor, "hidden_layers", "10 x abc")
        await type_into(pilot, editor, "epochs", "0")
        layers_error = editor.query_one("#err-hidden_layers")
        assert layers_error.display and "COUNT x UNITS" in text_of(layers_error)
        assert "greater than or equal to 1" in text_of(editor.query_one("#err-epochs"))
        assert editor.query_one("#f-epochs").has_class("-invalid")
        assert not editor.query_one("#err-learning_rate").display
        assert "cannot train" in text_of(editor.query_one("#verdict"))
        await pilot.press("ctrl+t")
        assert isinstance(app.screen, EditorScreen)
        assert any("Cannot train" in n.message for n in app.notes)
        await type_into(pilot, editor, "epochs", "10")  # fixing one field clears only its error
        assert not editor.query_one("#err-epochs").display and editor.query_one("#err-hidden_layers").display
    assert store.runs() == []


async def test_live_parameter_count_and_rule_checks(app_factory):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        editor = await open_editor(pilot)
        await type_into(pilot, editor, "hidden_layers", "10 x 32")
        params = text_of(editor.query_one("#params"))
        assert "34,954 trainable params" in params and "34,624 weights / 330 biases" in params
        rules = text_of(editor.query_one("#rules"))
        assert "✗ exactly 1 hidden layer — 10 hidden layers" in rules  # still checked against Part One, large
        editor.query_one("#f-part", Select).value = "part2-medium"
        await pilot.pause()
        assert "✓ every hidden layer 10-50 units" in text_of(editor.query_one("#rules"))
        editor.query_one("#f-activation", Select).value = "relu"
        await pilot.pause()
        assert "outside the exercise rules" in text_of(editor.query_one("#verdict"))


async def test_saved_preset_appears_on_home_and_trains(app_factory, store):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        editor = await open_editor(pilot, "down")  # Part One, small
        await type_into(pilot, editor, "name", "My small net")
        await type_into(pilot, editor, "hidden_layers", "40")
        await type_into(pilot, editor, "epochs", "3")
        await pilot.press("ctrl+s")
        assert (user_presets_dir() / "my-small-net.toml").is_file()
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        plist = app.screen.query_one(PresetList)
        assert "my-small-net" in plist.presets
        assert str(plist.get_option_at_index(plist.option_count - 2).prompt) == "Your presets"
        plist.highlighted = plist.get_option_index("my-small-net")
        await pilot.press("t")
        await until(pilot, lambda: not app.live.busy, what="the run")
    [record] = store.runs()
    assert (record.preset, record.part, record.status, record.epochs_completed) == (
        "my-small-net",
        "part1-small",
        "completed",
        3,
    )


async def test_ctrl_t_trains_the_form_and_save_refuses_a_taken_name(app_factory, store):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        editor = await open_editor(pilot)
        await type_into(pilot, editor, "epochs", "2")
        await pilot.press("ctrl+s")
        await pilot.press("ctrl+s")  # the same editor saves over its own preset
        await pilot.press("escape", "escape")
        editor = await open_editor(pilot)  # a second copy of the same built-in: same name
        await pilot.press("ctrl+s")
        assert any("already have a preset" in n.message for n in app.notes)
        await pilot.press("ctrl+t")
        assert isinstance(app.screen, TrainingScreen)
        await until(pilot, lambda: not app.live.busy, what="the run")
    assert [p.name for p in user_presets_dir().glob("*.toml")] == ["part-one-large-copy.toml"]
    [record] = store.runs()
    assert record.preset == "part-one-large-copy" and record.epochs_completed == 10
