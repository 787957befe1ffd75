"""Text from a user or a file is shown as written, never read as markup: the editor's fields and errors,
preset files (names, descriptions, broken values), run names in Home and Compare, a --data path. Property
tests feed arbitrary text, markup-like brackets included; fixed cases pin the hardest ones.
Also: ctrl+s into an unwritable config dir, a second copy under a taken name, a user file named like a
built-in."""

from __future__ import annotations

import string

import tomli_w
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from textual.geometry import Region
from textual.widgets import DataTable, Input
from tui_fakes import text_of, until

from engine.errors import DataError
from engine.events import EpochEnd, Finished
from engine.presets import user_presets_dir
from engine.spec import make_spec
from tui.screens.compare import CompareScreen
from tui.screens.editor import EditorScreen
from tui.spec_form import TEXT_FIELDS
from tui.text import literal, printable
from tui.widgets.preset_list import PresetList
from tui.widgets.recent_runs import RecentRuns

MARKUP_LIKE = ["[/", "[/]", "[red]", "[red]x", "[@click=app.quit]", "[@click=quit]q[/]", "[b", "]", "\\[", "[link=x]"]
markupish = st.lists(st.one_of(st.sampled_from(MARKUP_LIKE), st.text(max_size=6)), max_size=6).map("".join)
# a spec's name is printable text (the model refuses control characters and blank names)
names = markupish.map(lambda s: "".join(c for c in s if c.isprintable()).strip()).filter(lambda s: 0 < len(s) <= 80)
FAST = settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each example starts an app
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
# run names as shown in clipped columns: text of one cell each, so a prefix of it must be on screen
cell_text = (
    st.lists(
        st.one_of(
            st.sampled_from(MARKUP_LIKE), st.text(alphabet=string.ascii_letters + "0123456789[]/@=_-.é", max_size=4)
        ),
        min_size=1,
        max_size=5,
    )
    .map(lambda parts: "".join(parts).strip())
    .filter(bool)
)


def messages(app) -> list[str]:
    return [n.message for n in app.notes]


async def open_editor(pilot) -> EditorScreen:
    await pilot.press("e")
    assert isinstance(pilot.app.screen, EditorScreen)
    return pilot.app.screen


def test_literal_keeps_brackets_and_shows_control_characters():
    assert literal("[red]x[/] [@click=app.quit]q").plain == "[red]x[/] [@click=app.quit]q"
    assert literal("[b]x", "bold").style == "bold" and not literal("[b]x").spans
    assert printable("a\x1b[2Jb\tc\nd") == "a\\x1b[2Jb\\tc\nd"  # line breaks stay, nothing moves the cursor
    assert printable("Сеть 👩‍💻") == "Сеть 👩‍💻"


# -- the editor -----------------------------------------------------------------------------------------


async def test_bracket_slash_in_hidden_layers_is_an_inline_error_not_a_crash(app_factory):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#f-hidden_layers", Input).focus()
        await pilot.press("ctrl+u", "ctrl+k", "left_square_bracket", "slash")
        assert text_of(editor.query_one("#err-hidden_layers")) == "✗ '[/' is not a whole number of units"
        await pilot.press("ctrl+t")  # the refusal quotes the field too
        assert any("'[/'" in m for m in messages(app))
        assert app.screen is editor


@settings(FAST, max_examples=3)
@given(data=st.data())
async def test_any_text_in_any_editor_field_is_shown_as_typed(app_factory, data):
    """One editor, 25 rounds of arbitrary text in every field (an app start per round would take minutes)."""

    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        editor = await open_editor(pilot)
        for _ in range(25):
            texts = data.draw(st.fixed_dictionaries({name: markupish for name in TEXT_FIELDS}))
            for name, value in texts.items():
                editor.query_one(f"#f-{name}", Input).value = value
            await pilot.pause()
            for name, value in texts.items():
                assert editor.query_one(f"#f-{name}", Input).value == value
                error = editor.result.errors.get(name)
                shown = text_of(editor.query_one(f"#err-{name}"))
                assert shown == (printable(f"✗ {error}") if error else "")
            await pilot.press("ctrl+t")  # refused with the quoted errors, or queued: the app stays up
            if app.screen is not editor:
                await pilot.press("escape")
                editor = await open_editor(pilot)
        assert app.is_running


async def test_ctrl_s_into_an_unwritable_config_dir_keeps_the_form(app_factory, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder should be")
    monkeypatch.setenv("MNIST_TUI_CONFIG", str(blocker))

    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        editor = await open_editor(pilot)
        editor.query_one("#f-epochs", Input).value = "3"
        await pilot.pause()
        await pilot.press("ctrl+s")
        assert app.screen is editor and editor.query_one("#f-epochs", Input).value == "3"
        [failure] = [n for n in app.notes if n.title == "Preset not saved"]
        assert "cannot create the presets folder" in failure.message and str(blocker) in failure.message


async def test_a_second_copy_under_a_taken_name_is_refused_and_the_first_kept(app_factory):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        for epochs in ("3", "7"):
            editor = await open_editor(pilot)
            editor.query_one("#f-name", Input).value = "part1-large"  # a built-in's id: saved as -custom
            editor.query_one("#f-epochs", Input).value = epochs
            await pilot.pause()  # the form revalidates on Input.Changed
            await pilot.press("ctrl+s", "escape")
        assert any("already have a preset 'part1-large-custom'" in m for m in messages(app))
    assert "epochs = 3" in (user_presets_dir() / "part1-large-custom.toml").read_text()


# -- preset files ---------------------------------------------------------------------------------------


def _write_presets(name: str, description: str, broken: str) -> None:
    folder = user_presets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    good = {"name": name, "description": description, "hidden_layers": [7]}
    (folder / "mine.toml").write_text(tomli_w.dumps(good), encoding="utf-8")
    (folder / "broken.toml").write_text(tomli_w.dumps({"name": "x", "hidden_layers": [broken]}), encoding="utf-8")


async def test_a_preset_echoing_markup_does_not_crash_the_launch(app_factory):
    _write_presets("[red]x", "[@click=app.quit]", "[/")

    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert any("'[/'" in m for m in messages(app))


@FAST
@given(name=names, description=markupish, broken=markupish)
async def test_any_text_in_preset_files_is_shown_as_written(app_factory, name, description, broken):
    _write_presets(name, description, broken)

    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        plist = app.screen.query_one(PresetList)
        plist.highlighted = plist.get_option_index("mine")
        await pilot.pause()
        details = text_of(app.screen.query_one("#details"))
        assert printable(name) in details and printable(description) in details
        assert any("hidden_layers.0: " in m and "broken.toml" in m for m in messages(app))


async def test_a_user_file_named_like_a_builtin_is_reported_on_home(app_factory):
    folder = user_presets_dir()
    folder.mkdir(parents=True)
    (folder / "part3.toml").write_text('name = "mine"\nhidden_layers = [5]\n')

    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert any("named like the built-in preset 'part3'" in m for m in messages(app))


# -- run names ------------------------------------------------------------------------------------------


def _store_run(store, preset: str, name: str) -> int:
    run_id = store.start_run(preset, None, make_spec(name=name, hidden_layers=[5], epochs=1))
    store.add_epoch(run_id, EpochEnd(1, 0.5, 0.5, 0.5, 0.5, 1.0))  # a run completes only with an epoch
    store.finish_run(run_id, Finished(run_id, "completed", 1, train_accuracy=0.5, val_accuracy=0.5, test_accuracy=0.5))
    return run_id


def rendered(widget) -> str:
    """What a widget draws, as plain text (clipped columns and all)."""
    return "\n".join(line.text for line in widget.render_lines(Region(0, 0, widget.size.width, widget.size.height)))


@FAST
@given(preset=cell_text, name=cell_text)
async def test_any_run_name_is_shown_as_written_in_home_and_compare(app_factory, store, preset, name):
    run_id = _store_run(store, preset, name)
    shown = name[:7]  # the narrowest name column still shows 7 characters and an ellipsis

    app = app_factory()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert shown in rendered(app.screen.query_one(RecentRuns))
        await pilot.press("c")
        assert isinstance(app.screen, CompareScreen)
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert any(str(cell).startswith(shown) for cell in table.get_row(str(run_id)))
        assert shown in rendered(table)
        await pilot.press("space", "v")  # picked, then the settings side by side: its name heads a column
        await pilot.pause()
        assert shown in rendered(app.screen.query_one("#diff"))
        assert app.is_running
    store.delete_run(run_id)


async def test_a_data_path_with_brackets_is_shown_when_training_cannot_start(app_factory):
    path = "/nowhere/[/x [red]y.npz"

    def loader(source=None, validation_fraction=1 / 6, subset=None):
        raise DataError(f"{path}: no such file or directory (expected an mnist.npz or a folder of IDX files)")

    app = app_factory(loader=loader, data=path)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")
        await pilot.press("escape")
        status = app.screen.query_one("#status")
        await until(pilot, lambda: path in text_of(status), what="the data error on Home")
        assert app.is_running
