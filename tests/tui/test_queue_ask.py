"""One key never queues many runs, nor repeats a stored run exactly, without asking first."""

from __future__ import annotations

from tui_fakes import until

from engine.data import KERAS_CACHE
from engine.events import EpochEnd, Finished
from engine.presets import find_preset
from tui.screens.dialogs import ConfirmDialog


async def test_a_key_that_queues_many_runs_asks_first(app_factory, store):
    app = app_factory()

    async with app.run_test(size=(100, 32)) as pilot:
        app.repeats = 3
        await pilot.press("down", "down", "T")  # Part Two: three nets x three seeds
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
        assert "Queue 9 runs (part2-narrow ×3, part2-medium ×3, part2-wide ×3)" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert store.jobs.waiting() == [] and store.jobs.running() == []
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question again")
        await pilot.press("y")
        await until(pilot, lambda: len(store.runs()) + len(store.jobs.waiting()) >= 1, what="the queue")


async def test_a_run_that_would_repeat_a_stored_one_exactly_says_so(app_factory, store):
    p = find_preset("part1-large")
    run_id = store.start_run(p.id, p.part, p.spec, data_source=str(KERAS_CACHE))
    for e in range(1, p.spec.epochs + 1):  # a run with no epoch is never stored as completed
        store.add_epoch(run_id, EpochEnd(e, 0.5, 0.9, 0.5, 0.9, 1.0))
    store.finish_run(run_id, Finished(run_id, "completed", p.spec.epochs, test_accuracy=0.9))
    app = app_factory()

    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")  # part1-large is highlighted first
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
        question = app.screen.question
        assert f"Run {run_id} already trained this spec with seed {p.spec.seed}" in question
        assert "same numbers" in question
        await pilot.press("n")
        await pilot.pause()
        assert store.jobs.waiting() == [] and len(store.runs()) == 1


async def test_one_new_run_is_queued_without_a_question(app_factory, store):
    app = app_factory()

    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
