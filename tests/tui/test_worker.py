"""The training queue and worker loop without a screen: event order, queue draining, stop, errors."""

from __future__ import annotations

import threading

from tui_fakes import FakeTrainer, fake_loader, no_data_loader

from engine.presets import find_preset
from engine.runner import RunRequest
from tui import messages as m
from tui.worker import TrainingQueue, drain


def request(preset_id: str = "part1-small", epochs: int = 2) -> RunRequest:
    p = find_preset(preset_id)
    return RunRequest(p.id, p.part, p.spec.model_copy(update={"epochs": epochs}))


def kinds(posted) -> list[str]:
    return [type(msg).__name__ for msg in posted]


def test_queue_runs_requests_in_order_and_relays_every_event(store):
    queue, posted = TrainingQueue(), []
    assert queue.add([request("part1-small"), request("part1-large")]) is True  # caller starts the worker
    assert queue.add([request("part3")]) is False  # already draining: just queued
    drain(queue, store, FakeTrainer(steps=2), posted.append, fake_loader)

    names = kinds(posted)
    assert names.count("RunBegan") == 3 and names.count("RunFinished") == 3 and names[-1] == "QueueIdle"
    first = names[: names.index("RunFinished") + 1]
    assert first == [
        "RunBegan", "RunPhase", "RunPhase", "RunPhase", "RunPhase", "RunStarted",
        "RunProgress", "RunProgress", "RunEpoch", "RunProgress", "RunProgress", "RunEpoch", "RunFinished",
    ]  # fmt: skip
    phases = [msg.text for msg in posted if isinstance(msg, m.RunPhase)][:3]
    assert "loading TensorFlow" in phases and any(p.startswith("loading MNIST from") for p in phases)
    assert [r.preset for r in store.runs()] == ["part3", "part1-large", "part1-small"]
    assert all(r.status == "completed" and r.epochs_completed == 2 for r in store.runs())
    assert queue.busy is False and queue.pending() == []


def test_stop_cancels_the_running_run_and_drops_the_waiting_ones(store):
    queue, posted = TrainingQueue(), []
    trainer = FakeTrainer(steps=2, hold_after=1)
    queue.add([request(epochs=3), request("part3")])
    worker = threading.Thread(target=drain, args=(queue, store, trainer, posted.append, fake_loader))
    worker.start()
    assert trainer.holding.wait(5)
    assert queue.stop() == 1
    worker.join(5)
    runs = store.runs()
    assert len(runs) == 1 and runs[0].status == "cancelled" and runs[0].epochs_completed == 1
    assert "part3" not in {msg.request.preset for msg in posted if isinstance(msg, m.RunBegan)}


def test_stop_while_loading_stores_nothing(store):
    queue, posted = TrainingQueue(), []
    queue.add([request()])

    def stop_then_load(*args, **kwargs):
        queue.stop()  # the user pressed s while MNIST was loading
        return fake_loader(*args, **kwargs)

    drain(queue, store, FakeTrainer(), posted.append, stop_then_load)
    finished = [msg.result for msg in posted if isinstance(msg, m.RunFinished)]
    assert [(f.status, f.run_id) for f in finished] == [("cancelled", None)] and store.runs() == []


def test_missing_data_is_an_error_message_and_drops_the_queue(store):
    queue, posted = TrainingQueue(), []
    queue.add([request(), request("part3")])
    drain(queue, store, FakeTrainer(), posted.append, no_data_loader)
    errors = [msg for msg in posted if isinstance(msg, m.RunError)]
    assert len(errors) == 1 and "--data" in errors[0].text
    assert kinds(posted).count("RunBegan") == 1  # the second run was dropped, not tried
    assert store.runs() == []


def test_progress_messages_collapse_to_the_latest():
    req = request()
    first, second = m.RunProgress(req, None), m.RunProgress(req, None)
    assert first.can_replace(second)
    assert not first.can_replace(m.RunEpoch(req, None))
