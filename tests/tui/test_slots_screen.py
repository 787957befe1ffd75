"""Several runs at once in the TUI: Home lists each running run by slot, the training screen says which
slot, device and host trains the run it follows and switches between the runs with ] and [, and the queue
panel says which slot takes what."""

from __future__ import annotations

import asyncio

from tui_fakes import FakeTrainer, text_of, until

from tui.screens.home import HomeScreen
from tui.screens.training import TrainingScreen
from tui.widgets.queue_panel import QueuePanel


async def test_two_slots_show_both_runs_and_switch_between_them(app_factory):
    trainer = FakeTrainer(hold_after=1)

    app = app_factory(trainer=trainer, slots=2)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("T")  # Part One: two nets, one per slot
        await until(pilot, lambda: len(app.live.views) == 2 and all(v.history for v in app.live.views), what="two runs")
        assert isinstance(app.screen, TrainingScreen)
        title = text_of(app.screen.query_one("#run-title"))
        first = app.live.view.run.run_id
        assert f"run {first} · slot " in title and "on Test Device" in title
        queue = app.screen.query_one(QueuePanel)
        shown = [str(queue.get_option_at_index(i).prompt) for i in range(queue.option_count)]
        assert shown[:2] == ["slot 0 ▶ Part One, large", "slot 1 ▶ Part One, small"], shown
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: app.live.view.run.run_id != first, what="the other run followed")
        assert f"run {app.live.view.run.run_id} · slot " in text_of(app.screen.query_one("#run-title"))
        await pilot.press("left_square_bracket")
        await until(pilot, lambda: app.live.view.run.run_id == first, what="back to the first")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        status = text_of(app.screen.query_one("StatusLine"))
        assert "slot 0 Part One, large 2/10 · slot 1 Part One, small 2/10" in status, status
        trainer.release.set()
        await asyncio.to_thread(lambda: [t.join(20) for t in app.fake_worker.threads])


async def test_with_one_run_the_switch_keys_are_not_offered(app_factory):
    trainer = FakeTrainer(hold_after=1)

    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")
        await until(pilot, lambda: app.live.view and app.live.view.history, what="a run")
        assert "right_square_bracket" not in app.screen.active_bindings
        trainer.release.set()
