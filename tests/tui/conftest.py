"""Fixtures for the TUI tests: a temp run store and an app factory whose worker is a thread running the
real worker loop with a fake trainer (no Keras, no process)."""

from __future__ import annotations

import pytest
from tui_fakes import FakeTrainer, FakeWorker, FrozenClock, fake_loader, record_notifications

from tui.app import make_app


@pytest.fixture
def workers():
    made: list[FakeWorker] = []
    yield made
    for worker in made:
        worker.stop()


@pytest.fixture
def app_factory(store, workers):
    """make_app with a fake worker (fast fake trainer, in-memory loader) and a frozen clock unless a test
    says otherwise. The worker is reachable as app.fake_worker, the toasts shown as app.notes."""

    def build(trainer=None, loader=fake_loader, clock=None, slots=None, **kwargs):
        worker = FakeWorker(trainer or FakeTrainer(), loader, slots=slots)
        workers.append(worker)
        app = make_app(store, spawn_worker=worker.spawn, clock=clock or FrozenClock(), **kwargs)
        app.fake_worker = worker
        app.notes = record_notifications(app)
        return app

    return build
