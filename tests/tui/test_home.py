"""Home with Pilot: presets by part, details, recent runs, and each Home key."""

from __future__ import annotations

import itertools

import pytest
from tui_fakes import FakeTrainer, held, no_data_loader, text_of, until

from tui.screens.editor import EditorScreen
from tui.screens.home import HomeScreen
from tui.screens.training import TrainingScreen
from tui.widgets.footer import KeyFooter
from tui.widgets.preset_list import PresetList
from tui.widgets.recent_runs import RecentRuns


async def footer_keys_fit(pilot, keys: list[str]) -> None:
    """Every key is in the footer, drawn whole inside the terminal's width, and no two keys share a cell."""
    footer = pilot.app.screen.query_one(KeyFooter)
    # the keys of a training (s) appear once the screen has heard of it: wait for that, not a fixed pause
    await until(pilot, lambda: set(keys) <= {k.display for k in footer.shown}, what=f"the footer to show {keys}")
    line = footer.render().plain
    shown = {k.display: k for k in footer.shown}
    for key in keys:
        assert key in shown, f"{key} missing from the footer"
        assert shown[key].end <= pilot.app.size.width, f"{key} clipped"
        assert line[shown[key].start : shown[key].end].strip().startswith(key), f"{key} not where it was counted"
    spans = sorted((k.start, k.end) for k in footer.shown)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start, "two keys overlap"


def option_texts(plist: PresetList) -> list[str]:
    return [str(plist.get_option_at_index(i).prompt) for i in range(plist.option_count)]


@pytest.mark.parametrize("size", [(80, 24), (100, 32), (120, 40)])
async def test_first_frame_lists_every_part_with_counts_and_focus(app_factory, size):
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        plist = app.screen.query_one(PresetList)
        assert isinstance(app.screen, HomeScreen) and app.focused is plist
        assert plist.current.id == "part1-large"  # first preset highlighted, not a group title
        texts = option_texts(plist)
        assert [t for t in texts if t.startswith("Part") and "," not in t] == ["Part One", "Part Two", "Part Three"]
        large = next(t for t in texts if t.startswith("Part One, large"))
        assert "305,290" in large and "304,896 / 394" in large and "✓ ok" in large
        # the whole row fits: nothing of the rules column is cut off at 80 columns
        assert plist.region.width >= len(large)
        details = text_of(app.screen.query_one("#details"))
        assert "305,290 params" in details and "✓ exactly 1 hidden layer" in details
        await footer_keys_fit(pilot, ["t", "T", "A", "e", "c", "a", "q", "?"])


async def test_footer_refits_when_the_terminal_shrinks(app_factory):
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("t")
        await until(pilot, lambda: not app.live.busy, what="the run")
        await pilot.press("escape")  # Home now offers w (watch) as well
        await pilot.resize_terminal(80, 24)
        await footer_keys_fit(pilot, ["t", "T", "A", "e", "c", "a", "w", "q", "?"])


async def test_footer_at_80_columns_fits_the_training_keys_too(app_factory):
    trainer = FakeTrainer(hold_after=1)

    app = app_factory(trainer=trainer)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await held(trainer)
        await pilot.press("escape")
        await footer_keys_fit(pilot, ["t", "T", "e", "c", "a", "w", "q", "?", "s"])
        await pilot.press("s")


async def test_highlight_moves_skipping_group_titles_and_details_follow(app_factory):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("down", "down")
        plist = app.screen.query_one(PresetList)
        assert plist.current.id == "part2-narrow"  # 'Part Two' title skipped
        assert "Part Two, narrow" in text_of(app.screen.query_one("#details"))
        assert ">= 10 hidden layers" in text_of(app.screen.query_one("#details"))


async def test_t_trains_highlighted_and_recent_runs_refresh(app_factory, store):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")
        assert isinstance(app.screen, TrainingScreen)
        await until(pilot, lambda: app.view and not app.view.active, what="the run to finish")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        runs = app.screen.query_one(RecentRuns)
        assert [r.preset for r in runs.records] == ["part1-large"]
        assert "Part One, large: run 1 completed" in text_of(app.screen.query_one("#status"))
    [record] = store.runs()
    assert record.preset == "part1-large" and record.status == "completed" and record.epochs_completed == 10


async def test_shift_t_queues_the_whole_part(app_factory, store):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("down", "down", "T")  # on Part Two, narrow
        await until(pilot, lambda: not app.live.busy, what="the queue to drain")
    assert [r.preset for r in reversed(store.runs())] == ["part2-narrow", "part2-medium", "part2-wide"]


async def test_runs_trained_elsewhere_show_on_home(app_factory, store):
    from engine.presets import find_preset

    spec = find_preset("part3").spec
    run_id = store.start_run("part3", "part3", spec)  # as the CLI would

    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert [r.run_id for r in app.screen.query_one(RecentRuns).records] == [run_id]


async def test_e_edits_a_copy_and_enter_does_too(app_factory):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, EditorScreen) and app.screen.copy
        await pilot.press("escape")
        await pilot.press("enter")
        assert isinstance(app.screen, EditorScreen)


async def test_c_and_a_open_compare_and_answers(app_factory):
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("c")
        assert type(app.screen).__name__ == "CompareScreen"
        await pilot.press("escape")
        await pilot.press("a")
        assert type(app.screen).__name__ == "AnswersScreen"


async def test_no_data_is_shown_in_app_and_the_app_stays_usable(app_factory, store):
    app = app_factory(loader=no_data_loader)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")
        await until(pilot, lambda: app.view and app.view.status == "failed", what="the data error")
        assert any("--data" in n.message for n in app.notes)
        assert "failed before training began" in text_of(app.screen.query_one("#detail"))
        await pilot.press("escape")
        status = text_of(app.screen.query_one("#status"))
        assert "MNIST is not cached" in status and "--data" in status
        await pilot.press("e")  # still usable: browse and edit
        assert isinstance(app.screen, EditorScreen)
    assert store.runs() == []


async def test_A_queues_the_whole_exercise_in_order(app_factory):
    trainer = FakeTrainer(hold_after=1)

    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("A")
        await held(trainer)
        await until(pilot, lambda: len(app.live.waiting) == 5, what="the first job to start")
        pending = [j.preset for j in app.live.waiting]
        assert pending == ["part1-small", "part2-narrow", "part2-medium", "part2-wide", "part3"]
        app.store.jobs.clear()
        await pilot.press("s")
        await until(pilot, lambda: not app.live.busy, what="the stop")


async def test_rows_stay_one_line_when_user_presets_make_the_list_scroll(app_factory):
    from engine.presets import save_user_preset
    from engine.spec import make_spec

    for i in range(3):
        save_user_preset(make_spec(name=f"Mine {i}", hidden_layers=[64, 64, 64]), part="part3")

    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        plist = app.screen.query_one(PresetList)
        assert plist.show_vertical_scrollbar  # with it, "✓ ok" must still fit on its line
        assert plist.virtual_size.height == plist.option_count


async def test_R_sets_how_many_seeds_each_train_key_queues(app_factory, store):
    trainer = FakeTrainer(hold_after=1)

    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("R")
        await pilot.press("backspace", "3", "enter")
        assert app.repeats == 3
        assert "t/T/A train 3 seeds of each net" in text_of(app.screen.query_one("#status"))
        await pilot.press("down", "down", "T")  # Part Two: three nets x three seeds
        await pilot.press("y")  # nine runs: asked first (tests/tui/test_queue_ask.py)
        await held(trainer)
        jobs = store.jobs.running() + store.jobs.waiting()
        assert [j.preset for j in jobs] == ["part2-narrow"] * 3 + ["part2-medium"] * 3 + ["part2-wide"] * 3
        assert [j.spec.seed for j in jobs[:3]] == [42, 43, 44]
        assert len({j.repeat_group for j in jobs}) == 3 and all(j.repeat_group for j in jobs)
        store.jobs.clear()
        await pilot.press("s")
        await until(pilot, lambda: not app.live.busy, what="the stop")


async def test_at_60_columns_every_home_key_fits_and_only_long_labels_are_shortened(app_factory):
    app = app_factory()
    async with app.run_test(size=(60, 18)) as pilot:
        await footer_keys_fit(pilot, ["t", "T", "A", "e", "c", "a", "q", "?"])
        line = app.screen.query_one(KeyFooter).render().plain
        assert "? Help" in line and "q Quit" in line and "t Train" in line, line
        assert "…" in line  # Compare / Answers shortened, not cut off at the edge


async def test_a_click_on_a_footer_key_presses_it(app_factory):
    from tui.screens.help import HelpScreen

    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeyFooter)
        help_key = next(k for k in footer.shown if k.display == "?")
        await pilot.click(KeyFooter, offset=(help_key.start, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
