"""RunView: what the screens say about a run, read from its job, run row and live row; and EtaClock,
the ETA that leaves compiling out."""

from __future__ import annotations

import time

from tui_fakes import curve

from engine.events import EpochEnd, Finished
from engine.presets import find_preset
from engine.progress_reporter import EtaClock
from engine.store import ProgressRow
from tui.run_view import RunView


def live(run_id, epoch, step, steps=100, eta=30.0, phase="training") -> ProgressRow:
    return ProgressRow(run_id, phase, epoch, 10, step, steps, 0.5, 0.8, 10.0, eta, 50.0, 1, [], time.time() + 1e6)


def started_run(store, epochs_done: int):
    p = find_preset("part1-small")
    run_id = store.start_run(p.id, p.part, p.spec)
    for e in range(1, epochs_done + 1):
        store.add_epoch(run_id, EpochEnd(e, **curve(e), seconds=2.0))
    return run_id


def test_a_queued_job_then_a_starting_one(store):
    p = find_preset("part1-small")
    job_id = store.jobs.add(p.id, p.part, p.spec)
    v = RunView(store.jobs.get(job_id))
    assert v.status == "queued" and v.active and not v.started and v.key == ("job", job_id)
    store.jobs.claim_next()
    store.jobs.set_phase(job_id, "loading TensorFlow")
    v = RunView(store.jobs.get(job_id))
    assert v.status == "starting" and v.phase == "loading TensorFlow"
    assert v.summary() == "Part One, small: loading TensorFlow…"


def test_epoch_progress_clock_and_summary(store):
    run_id = started_run(store, 2)
    v = RunView(None, store.get_run(run_id), live(run_id, 3, 50))
    # the bar is the whole run's (2 epochs and half of the third, of 10), the epoch's share is said
    assert v.epoch_now == 3 and v.epoch_fraction() == 0.5 and v.bar() == (1000, 250)
    assert v.clock_text() == "elapsed 0:10 · ETA 0:30"
    assert v.summary() == "Part One, small: Epoch 3/10 · 50% of epoch · 25% of run"


def test_after_the_last_epoch_the_phase_shows_and_the_bar_is_full(store):
    run_id = started_run(store, 10)
    v = RunView(None, store.get_run(run_id), live(run_id, 10, 100, phase="evaluating"))
    assert v.step_text() == "evaluating…" and v.bar() == (1, 1) and v.epoch_now == 10
    # the training is over: the clock stops (the row is old, it would otherwise count on) and says trained
    assert v.clock_text() == "trained 0:10"


def test_the_clock_stopped_at_evaluating_is_the_ended_runs_trained_time(store):
    run_id = started_run(store, 10)  # epochs of 2.0 s: 20 s; the trainer measured 46 s with compiling
    row = live(run_id, 10, 100, phase="evaluating")
    row.elapsed, row.updated_at = 46.0, time.time() - 30  # evaluating for 30 s already
    assert RunView(None, store.get_run(run_id), row).clock_text() == "trained 0:46"
    store.finish_run(run_id, Finished(run_id, "completed", 10, extra={"training_seconds": 46.2}))
    assert RunView(None, store.get_run(run_id), None).clock_text() == "trained 0:46"


def test_ended_runs_say_how_and_stop_the_clock(store):
    run_id = started_run(store, 4)
    c = curve(4)
    store.finish_run(
        run_id,
        Finished(
            run_id, "cancelled", 4, train_accuracy=c["accuracy"], val_accuracy=c["val_accuracy"], test_accuracy=0.8
        ),
    )
    v = RunView(None, store.get_run(run_id), None)
    assert not v.active and v.status == "cancelled"
    assert v.result_text().startswith("run 1 cancelled after 4 epochs: evaluated train 90.00% · validation")
    assert v.clock_text() == "trained 0:08"  # the sum of its epochs, no longer ticking
    assert v.bar() == (10, 4)  # a cancelled run's bar stays where it stopped (4 of 10 epochs)


def test_a_job_that_failed_before_its_run_existed(store):
    p = find_preset("part1-small")
    job_id = store.jobs.add(p.id, p.part, p.spec)
    store.jobs.claim_next()
    store.jobs.finish(job_id, "failed", "no data here")
    v = RunView(store.jobs.get(job_id))
    assert not v.active and v.result_text() == "failed before training began (nothing stored): no data here"


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_eta_in_epoch_one_leaves_the_compiling_block_out():
    clock = Clock()
    eta = EtaClock(epochs=10, now=clock)
    clock.t = 20.0  # the first block took 20 s to compile and run
    assert eta.eta(1, 64, 1000) is None  # one report: no rate yet
    clock.t = 21.0  # then 64 more steps in a second
    assert round(eta.eta(1, 128, 1000)) == round((1000 - 128) / 64 + 9 * 1000 / 64)


def test_eta_after_epochs_uses_the_steady_ones():
    clock = Clock()
    eta = EtaClock(epochs=4, now=clock)
    eta.epoch_ended(20.0)  # compiling
    eta.epoch_ended(2.0)
    clock.t = 23.0
    assert eta.eta(3, 0, 100) == 2.0 + 1 * 2.0  # this epoch and one more, at the steady pace


def test_eta_after_the_compiling_first_epoch_uses_the_current_epochs_pace():
    """After epoch 1 (20 s, nearly all compiling) the remaining epochs run at the measured 1 s an epoch."""
    clock = Clock()
    eta = EtaClock(epochs=10, now=clock)
    eta.epoch_ended(20.0)
    clock.t = 21.0
    assert eta.eta(2, 10, 100) is None  # one report of epoch 2: no pace yet, and not the compiling epoch's
    clock.t = 21.5
    assert round(eta.eta(2, 60, 100), 1) == round(0.4 + 8 * 1.0, 1)  # 50 steps in 0.5 s: 1 s an epoch


def test_the_live_row_after_epoch_one_has_no_eta_from_the_compiling_epoch(store):
    from engine.events import Started
    from engine.progress_reporter import ProgressReporter

    run_id = started_run(store, 0)
    reporter = ProgressReporter(store)
    reporter(Started(run_id, 10, 100, 10, 2, 2, "fake", "Test Device"))
    reporter(EpochEnd(1, **curve(1), seconds=46.0))
    assert store.progress.get(run_id).eta is None  # not 9 x 46 s


def test_a_cancelled_run_evaluating_names_the_epoch_it_evaluates(store):
    run_id = started_run(store, 7)  # stopped during epoch 8: the weights after epoch 7 are evaluated
    v = RunView(None, store.get_run(run_id), live(run_id, 8, 30, phase="evaluating"))
    assert v.epoch_now == 7
