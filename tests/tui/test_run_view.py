"""RunView: what the screens say about a run, from its events (epoch, ETA, phases, results)."""

from __future__ import annotations

from tui_fakes import curve

from engine.events import EpochEnd, Finished, Progress, Started
from engine.presets import find_preset
from engine.runner import RunRequest
from tui.run_view import RunView


def view() -> RunView:
    p = find_preset("part1-small")
    v = RunView(RunRequest(p.id, p.part, p.spec))
    v.started, v.started_at, v.phase = Started(7, 10, 100, 500, 100, 100, "tensorflow", "CPU"), 100.0, "training"
    return v


def test_epoch_progress_and_eta():
    v = view()
    assert v.epoch_now == 1 and v.eta(100.0) is None  # nothing done yet: no guess
    v.history = [EpochEnd(e, **curve(e), seconds=2.0) for e in (1, 2)]
    v.progress = Progress(3, 50, 100)
    assert v.epoch_now == 3 and v.fraction_done() == 0.25
    assert v.clock_text(110.0) == "elapsed 0:10 · ETA 0:30"
    assert v.summary() == "part1-small: Epoch 3/10 · 50% of epoch"


def test_phase_after_the_last_epoch_and_results():
    v = view()
    v.history = [EpochEnd(e, **curve(e), seconds=2.0) for e in range(1, 11)]
    v.phase = "evaluating"
    assert v.summary() == "part1-small: Epoch 10/10 · evaluating…"
    v.finished = Finished(7, "completed", 10, 0.9, 0.8, 0.85, seconds_per_epoch=2.0)
    assert not v.active and v.eta(200.0) is None
    assert v.result_text() == (
        "run 7 completed after 10 epochs: train 90.00% · validation 80.00% · test 85.00% · 2.00 s/epoch"
    )


def test_stopped_before_a_run_row_and_failures():
    v = view()
    v.finished = Finished(None, "cancelled", 0)
    assert v.result_text() == "cancelled before training began (nothing stored)"
    v.finished = Finished(3, "failed", 1, error="ResourceExhaustedError: OOM")
    assert v.result_text() == "run 3 failed after 1 epoch (ResourceExhaustedError: OOM)"
    v.finished, v.error = None, "no MNIST here"
    assert v.result_text() == "could not start: no MNIST here"
