"""The runner with a fake trainer: every event reaches the listener, every epoch the store (before the
listener hears of it), and every ending - completed, failed, Ctrl+C - leaves a finished row."""

from __future__ import annotations

import threading

import pytest
from tui_fakes import FakeTrainer, curve, fake_loader

from engine.errors import DataError
from engine.events import EpochEnd, Started
from engine.runner import Runner, RunRequest
from engine.spec import make_spec

SPEC = make_spec(name="net", hidden_layers=[4], epochs=3)


def run(store, trainer, listener=None, cancel=None, loader=fake_loader):
    return Runner(store, trainer, loader).run(RunRequest("p", "part1-small", SPEC), listener, cancel)


def test_events_flow_to_listener_and_store(store):
    seen = []

    def listener(ev):
        if isinstance(ev, EpochEnd):  # the epoch is already committed when the listener hears of it
            assert store.get_run(run_id_of(seen)).epochs_completed == ev.epoch
        seen.append(ev)

    result = run(store, FakeTrainer(), listener)
    kinds = [type(e).__name__ for e in seen]
    assert kinds[0] == "Phase" and kinds[-1] == "Finished" and kinds.count("EpochEnd") == 3
    assert result.status == "completed" and result.run_id is not None
    started = next(e for e in seen if isinstance(e, Started))
    assert started.run_id == result.run_id
    r = store.get_run(result.run_id)
    assert (r.status, r.epochs_completed, r.backend) == ("completed", 3, "fake")
    assert r.metrics["test_accuracy"] == result.test_accuracy == curve(3)["val_accuracy"]


def run_id_of(events):
    return next(e.run_id for e in events if isinstance(e, Started))


def test_data_is_loaded_before_the_trainer_is_prepared(store):
    trainer = FakeTrainer()

    def broken_loader(*_a, **_kw):
        assert not trainer.prepared, "TensorFlow was imported before the data was checked"
        raise DataError("x.npz: missing")

    with pytest.raises(DataError):
        run(store, trainer, loader=broken_loader)
    assert store.runs() == []  # nothing stored for a run that never started


def test_trainer_crash_is_a_failed_run_with_its_epochs(store):
    result = run(store, FakeTrainer(fail_after=2, error=RuntimeError("OOM\nwith a long\ntrace")))
    assert result.status == "failed" and result.error == "RuntimeError: OOM"
    r = store.get_run(result.run_id)
    assert (r.status, r.epochs_completed, r.error) == ("failed", 2, "RuntimeError: OOM")


def test_multiline_error_from_the_trainer_is_stored_as_one_line(store):
    result = run(store, FakeTrainer(fail_after=3, error="InvalidArgumentError: bad\n  at node dense_1\n  ..."))
    assert result.error == "InvalidArgumentError: bad"
    assert store.get_run(result.run_id).error == "InvalidArgumentError: bad"


def test_keyboard_interrupt_stores_cancelled_then_propagates(store):
    with pytest.raises(KeyboardInterrupt):
        run(store, FakeTrainer(fail_after=2, error=KeyboardInterrupt()))
    (r,) = store.runs()
    assert (r.status, r.epochs_completed) == ("cancelled", 2)


def test_cancel_from_another_thread(store):
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    result = run(store, FakeTrainer(hold_after=1), cancel=cancel)
    assert result.status == "cancelled" and store.get_run(result.run_id).status == "cancelled"


def test_cancel_before_training_stores_nothing(store):
    cancel = threading.Event()
    cancel.set()
    result = run(store, FakeTrainer(), cancel=cancel)
    assert (result.status, result.run_id) == ("cancelled", None)
    assert store.runs() == []


def test_heartbeat_beats_while_training(store, monkeypatch):
    monkeypatch.setattr("engine.watchers.HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr("engine.watchers.CANCEL_POLL", 0.02)
    beats = []
    monkeypatch.setattr(store, "heartbeat", lambda run_id: beats.append(run_id))
    cancel = threading.Event()
    threading.Timer(0.4, cancel.set).start()
    result = run(store, FakeTrainer(hold_after=1), cancel=cancel)
    assert len(beats) >= 3 and set(beats) == {result.run_id}
    n = len(beats)
    threading.Event().wait(0.2)
    assert len(beats) == n  # and it stops with the run
