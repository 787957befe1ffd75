"""The training screen with Pilot and a fake worker (the real worker loop in a thread, a fake trainer): live
progress and charts read from the store, the queue panel, stop, quit, failures, and keys that keep working
while an epoch runs."""

from __future__ import annotations

from textual.widgets import ProgressBar
from tui_fakes import FakeTrainer, held, text_of, until

from tui.screens.help import HelpScreen
from tui.screens.home import HomeScreen
from tui.screens.training import TrainingScreen
from tui.widgets.curves import CurvesPlot
from tui.widgets.preset_list import PresetList
from tui.widgets.queue_panel import QueuePanel


def epochs_seen(app) -> int:
    return len(app.view.history) if app.view else 0


async def test_mid_run_shows_epoch_progress_charts_device_clock_and_queue(app_factory):
    trainer = FakeTrainer(hold_after=3)

    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("down", "down", "T")  # all of Part Two: narrow runs, two wait
        await held(trainer)
        await until(pilot, lambda: epochs_seen(app) == 3, what="three epochs")
        screen = app.screen
        assert isinstance(screen, TrainingScreen)
        assert text_of(screen.query_one("#epoch")) == "Epoch 4/10 at 0%"  # the bar is the run's
        assert text_of(screen.query_one("#clock")).startswith("elapsed 0:0")
        title = text_of(screen.query_one("#run-title"))
        assert "part2-narrow" in title and "fake on Test Device" in title and "run 1" in title
        assert "val 0.4167 83.00%" in text_of(screen.query_one("#detail"))
        assert "CPU" in text_of(screen.query_one("#resources"))
        queue = screen.query_one(QueuePanel)
        assert "2 waiting" in str(queue.border_title)
        labels = [str(queue.get_option_at_index(i).prompt) for i in range(queue.option_count)]
        assert labels[0].startswith("1. Part Two, medium") and labels[1].startswith("2. Part Two, wide")
        for plot in screen.query(CurvesPlot):
            x, train, val = plot.series()
            assert x == [1, 2, 3] and len(train) == len(val) == 3
        assert screen.query_one("#accuracy", CurvesPlot).series()[1][0] == 60.0  # percent, from the store
        trainer.release.set()
        await until(pilot, lambda: not app.live.busy, timeout=20, what="the queue to drain")
        assert "empty" in str(queue.get_option_at_index(0).prompt)


async def test_the_queue_panel_removes_reorders_and_clears(app_factory, store):
    trainer = FakeTrainer(hold_after=1)

    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("A")  # the whole exercise: one runs, five wait
        await held(trainer)
        await until(pilot, lambda: len(app.live.waiting) == 5, what="five waiting")
        queue = app.screen.query_one(QueuePanel)
        queue.focus()
        queue.highlighted = 0
        await pilot.press("plus")  # part1-small moves behind part2-narrow
        await until(pilot, lambda: [j.preset for j in app.live.waiting][:2] == ["part2-narrow", "part1-small"])
        await pilot.press("x")  # the highlight moved with part1-small: it goes off the queue
        await until(pilot, lambda: len(app.live.waiting) == 4, what="a removed job")
        assert [j.preset for j in app.live.waiting] == ["part2-narrow", "part2-medium", "part2-wide", "part3"]
        await pilot.press("C")
        await until(pilot, lambda: not app.live.waiting, what="an empty queue")
        assert app.view.active, "the running job goes on"
        trainer.release.set()
        await until(pilot, lambda: not app.live.busy, timeout=20, what="the run")
    assert [r.preset for r in store.runs()] == ["part1-large"]


async def test_progress_bar_follows_the_whole_run_step_by_step_and_the_label_the_epoch(app_factory):
    trainer = FakeTrainer(steps=4, step_seconds=0.4)

    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")
        bar = app.screen.query_one(ProgressBar)
        # 10 epochs of 4 steps: the bar counts the run's 40 steps, not one epoch's 4
        await until(pilot, lambda: bar.total == 40 and 0 < bar.progress < 4, what="a partial epoch")
        label = text_of(app.screen.query_one("#epoch"))
        assert label.startswith("Epoch 1/10 at ") and label != "Epoch 1/10 at 0%"
        await pilot.press("s")
        await until(pilot, lambda: not app.view.active, what="the stop")


async def test_s_stops_only_the_running_run_and_it_is_kept_as_cancelled(app_factory, store):
    trainer = FakeTrainer(hold_after=2)

    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("down", "down", "T")  # three Part Two runs
        await held(trainer)
        await until(pilot, lambda: epochs_seen(app) == 2, what="two epochs")
        trainer.hold_after = None  # the next runs go straight through
        await pilot.press("s")
        await until(pilot, lambda: not app.live.busy, timeout=20, what="the queue to go on and drain")
        # nothing left to stop: the stop key leaves the footer, and s answers that nothing trains
        assert app.screen.active_bindings["s"].binding.action == "nothing_to_stop"
        await pilot.press("s")
        await pilot.pause()
        assert any("Nothing is training" in str(n.message) for n in app.notes)
    records = {r.preset: r for r in store.runs()}
    assert records["part2-narrow"].status == "cancelled" and records["part2-narrow"].epochs_completed == 2
    assert records["part2-medium"].status == "completed" and records["part2-wide"].status == "completed"


async def answered(pilot, key: str, done) -> None:
    """Post a key as the terminal would and wait until the app's state shows it was handled (Pilot's press
    would wait for the app to go idle, which it never does while a run trains)."""
    pilot.app.simulate_key(key)
    await until(pilot, done, what=f"key {key!r} handled")


async def test_keys_are_answered_while_a_slow_epoch_runs(app_factory):
    """Every key is handled while the run trains on (how fast is bench/keys.py's to measure: a timed
    assertion on this shared 2-core machine would only measure its neighbours)."""
    trainer = FakeTrainer(steps=50, step_seconds=0.05)  # 2.5 s per epoch

    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")
        await until(pilot, lambda: app.view and app.view.live is not None, what="training to start")
        for key, done in (
            ("escape", lambda: isinstance(app.screen, HomeScreen)),
            ("down", lambda: app.screen.query_one(PresetList).current.id == "part1-small"),
            ("question_mark", lambda: isinstance(app.screen, HelpScreen)),
            ("escape", lambda: isinstance(app.screen, HomeScreen)),
            ("w", lambda: isinstance(app.screen, TrainingScreen)),
        ):
            await answered(pilot, key, done)
            assert app.view.active, "the run should still be training"
        await pilot.press("s")
        await until(pilot, lambda: not app.view.active, what="the stop")


async def test_q_mid_run_quits_and_the_training_goes_on(app_factory, store):
    """How soon the app is gone after q is bench/stop.py's to measure."""
    trainer = FakeTrainer(hold_after=1)
    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")
        await held(trainer)
        await until(pilot, lambda: epochs_seen(app) == 1, timeout=20, what=f"an epoch ({app.live})")
        await pilot.press("q")
        await until(pilot, lambda: not app.is_running, what="exit")
    assert app.return_code in (0, None)
    assert app.farewell and "in the background: 1 run training." in app.farewell
    [record] = store.runs()
    assert record.status == "running" and record.epochs_completed == 1  # the worker still trains it
    trainer.release.set()
    for thread in app.fake_worker.threads:
        thread.join(10)
    [record] = store.runs()
    assert record.status == "completed" and record.epochs_completed == 10


async def test_shift_q_stops_the_training_and_empties_the_queue_before_quitting(app_factory, store):
    trainer = FakeTrainer(hold_after=1)
    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("A")
        await held(trainer)
        await pilot.press("Q")
        await until(pilot, lambda: not app.is_running, what="exit")
    for thread in app.fake_worker.threads:
        thread.join(10)
    [record] = store.runs()
    assert record.status == "cancelled" and record.epochs_completed == 1
    assert store.jobs.waiting() == []


async def test_a_diverged_run_shows_why_and_the_app_stays_usable(app_factory, store):
    app = app_factory(trainer=FakeTrainer(diverge_at=3))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")
        await until(pilot, lambda: app.view and app.view.status == "diverged", what="the run to end")
        detail = text_of(app.screen.query_one("#detail"))
        assert "diverged after 2 epochs" in detail and "loss became NaN" in detail
        await pilot.press("escape", "down", "t")  # and trains again
        await until(pilot, lambda: app.view.preset == "part1-small" and app.view.status == "diverged", what="rerun")
    assert [r.status for r in store.runs()] == ["diverged", "diverged"]


async def test_watch_with_nothing_trained_says_so(app_factory):
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        assert "w" not in app.screen.active_bindings  # nothing to watch: not offered
        app.action_show_training()
        await pilot.pause()
        assert isinstance(app.screen, TrainingScreen)
        assert "Nothing is training" in text_of(app.screen.query_one("#run-title"))


async def test_switching_back_to_training_reuses_the_screen_and_the_chart_drawing(app_factory):
    """Key latency mid-epoch: w/escape must not recompose the screen or rebuild unchanged plotext charts."""
    trainer = FakeTrainer(hold_after=2)

    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")
        await held(trainer)
        await until(pilot, lambda: epochs_seen(app) == 2, what="two epochs")
        first = app.screen
        chart = first.query_one("#accuracy", CurvesPlot)
        await until(pilot, lambda: len(chart.history) == 2 and chart.builds, what="the chart of two epochs drawn")
        builds = chart.builds
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("w")
        await pilot.pause()
        assert app.screen is first  # the same screen instance, shown again
        assert chart.builds == builds  # nothing changed, so the chart was not rebuilt
        trainer.release.set()
        await until(pilot, lambda: not app.live.busy, timeout=20, what="the run")
        await pilot.pause()
        assert chart.builds > builds  # new epochs do redraw it


async def test_after_the_last_epoch_the_bar_stays_full_while_the_run_finishes(app_factory):
    trainer = FakeTrainer(hold_after=10)  # part1-large trains 10 epochs: hold where evaluation would run

    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")
        await held(trainer)
        await until(pilot, lambda: epochs_seen(app) == 10, what="ten epochs")
        bar = app.screen.query_one(ProgressBar)
        await until(pilot, lambda: bar.percentage == 1.0, what="the bar full after the last epoch")
        assert app.view.active
        trainer.release.set()
        clock = app.screen.query_one("#clock")
        await until(pilot, lambda: text_of(clock).startswith("trained "), what="the clock to stop at the end")
        assert not app.view.active and bar.percentage == 1.0


async def test_a_cancelled_run_keeps_its_bar_where_it_stopped(app_factory):
    trainer = FakeTrainer(hold_after=4)

    app = app_factory(trainer=trainer)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t")
        await held(trainer)
        await pilot.press("s")
        await until(pilot, lambda: not app.view.active, what="the stop")
        bar = app.screen.query_one(ProgressBar)
        await until(pilot, lambda: bar.percentage == 0.4, what="the bar at 4 of 10 epochs")  # not 0%
        await pilot.pause()
        assert bar.percentage == 0.4
