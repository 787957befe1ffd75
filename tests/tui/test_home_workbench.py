"""Home at 80x24 as a workbench: the highlighted preset always in view, no stray scrollbars (also after
Compare), recent runs keep val and open with enter (failed/cancelled hidden), the data source and the
highlighted preset's hyperparameters in view."""

from __future__ import annotations

import pytest
from known_runs import add_run
from rich.console import Console

from tui.screens.compare import CompareScreen
from tui.screens.home import HomeScreen
from tui.screens.run import RunScreen
from tui.widgets.data_line import DataLine, data_status
from tui.widgets.preset_list import PresetList
from tui.widgets.recent_runs import COLUMNS, RecentRuns


def rendered(widget) -> str:
    console = Console(width=widget.size.width or 80, record=True)
    console.print(widget.render())
    return console.export_text()


def save_user_presets(count: int) -> None:
    from engine.presets import save_user_preset
    from engine.spec import make_spec

    for i in range(count):
        save_user_preset(make_spec(name=f"Mine {i}", hidden_layers=[64 + i]), part=None)


async def test_the_highlighted_preset_stays_in_view_below_the_fold(app_factory):
    save_user_presets(4)

    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        plist = app.screen.query_one(PresetList)
        pane = app.screen.query_one("#presets-pane")
        await pilot.press("end")
        await pilot.pause()
        assert plist.current.spec.name == "Mine 3"
        first, rows = plist.scroll_offset.y, plist.scrollable_content_region.height
        assert first <= plist.highlighted < first + rows  # the list scrolled to it
        assert plist.region.bottom <= pane.region.bottom - 1  # and the list is not clipped by its pane
        await pilot.press("home")
        await pilot.pause()
        assert plist.current.id == "part1-large" and plist.scroll_offset.y <= plist.highlighted


async def test_no_stray_scrollbars_even_after_visiting_compare(app_factory, store):
    for i in range(3):
        add_run(store, "part1-small", [48], train=0.9, val=0.9 - i / 100, test=0.9)

    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        home = app.screen
        runs = home.query_one(RecentRuns)
        before = runs.region
        await pilot.press("c")
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is home and runs.region == before  # Compare's styles did not leak into Home
        assert not home.show_vertical_scrollbar and not home.show_horizontal_scrollbar
        assert "val" in rendered(runs).splitlines()[0]


async def test_recent_runs_keep_val_hide_failed_and_open_with_enter(app_factory, store):
    good = add_run(store, "part1-small", [48], train=0.9, val=0.8765, test=0.9, name="a rather long run name")
    add_run(store, "part1-small", [48], train=0.1, val=0.1, test=0.1, epochs=1, status="failed")
    add_run(store, "part3", [8], train=0.1, val=0.1, test=0.1, epochs=1, status="cancelled")

    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        runs = app.screen.query_one(RecentRuns)
        assert [r.run_id for r in runs.records] == [good]
        text = rendered(runs)
        assert "87.65%" in text and "val" in text  # val kept at 80 columns, the name gave way
        await pilot.press("tab")
        assert app.focused is runs
        await pilot.press("enter")
        assert isinstance(app.screen, RunScreen) and app.screen.run_id == good
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


def test_recent_runs_keep_val_at_every_width():
    widget = RecentRuns()
    for width in range(20, 60):
        count, name_width = widget.layout_for(width)
        assert count >= 4 and name_width >= 4  # run, name, seed, val at least
        widths = [w for _, w in COLUMNS[:count]]
        used = sum(widths) - widths[1] + name_width + 2 * (count - 1)
        assert used <= width or name_width == 4  # everything shown fits


async def test_the_highlighted_presets_hyperparameters_are_in_view_at_80x24(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        details = app.screen.query_one("#details")
        pane = app.screen.query_one("#details-pane")
        visible = rendered(details).splitlines()[: pane.scrollable_content_region.height]
        assert any("lr 0.1 · 10 epochs · batch 32" in line for line in visible)


@pytest.mark.parametrize("name, needle", [("mnist.npz", "✓"), ("nowhere.npz", "✗ missing")])
async def test_the_data_source_is_shown_at_start_found_or_missing(app_factory, tmp_path, name, needle):
    (tmp_path / "mnist.npz").write_bytes(b"not loaded, only looked for")
    app = app_factory(data=str(tmp_path / name))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = str(app.screen.query_one(DataLine).content)
        assert needle in line, line
    assert "--data" in str(data_status(str(tmp_path / "nowhere.npz")))


def test_a_running_run_shows_its_last_epochs_val_so_far(store):
    from engine.events import EpochEnd
    from engine.presets import find_preset
    from tui.widgets.recent_runs import val_or_status

    preset = find_preset("part1-small")
    run_id = store.start_run(preset.id, preset.part, preset.spec, data_source="x.npz", sizes={})
    assert val_or_status(store.get_run(run_id)).plain == "running"  # no epoch yet
    store.add_epoch(run_id, EpochEnd(1, 0.9, 0.7, 0.8, 0.75, seconds=0.1))
    store.add_epoch(run_id, EpochEnd(2, 0.5, 0.85, 0.6, 0.8312, seconds=0.1))
    shown = val_or_status(store.get_run(run_id))
    assert shown.plain == "83.12%" and "dim" in str(shown.style)
