"""Fixtures for the TUI tests: a temp run store, an app factory whose worker is a thread running the real
worker loop with a fake trainer (no Keras, no process), and the one way a snapshot test takes its picture."""

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


async def cursors_still(pilot) -> None:
    """Every text cursor on every screen drawn without blinking: a blinking one is in the picture or not
    depending on how long the machine took to get there."""
    for screen in pilot.app.screen_stack:
        for widget in screen.query("Input, TextArea"):
            widget.cursor_blink = False
    await pilot.pause()


@pytest.fixture
def screenshot(snap_compare):
    """snap_compare(app, run_before=..., terminal_size=...) with every cursor's blink off once run_before is
    done. Keys are pressed in run_before (snap_compare's own `press` comes after it and could focus a field
    whose cursor blinks)."""

    def take(app, run_before=None, **kwargs) -> bool:
        assert "press" not in kwargs, "press the keys in run_before, so the cursors are stilled after them"

        async def prepare(pilot) -> None:
            if run_before is not None:
                await run_before(pilot)
            await cursors_still(pilot)

        return snap_compare(app, run_before=prepare, **kwargs)

    return take
