"""Fixtures for the TUI tests: a temp run store and an app factory wired to fakes."""

from __future__ import annotations

import pytest
from tui_fakes import FakeTrainer, FrozenClock, fake_loader

from tui.app import make_app


@pytest.fixture
def app_factory(store):
    """make_app with a fast fake trainer, an in-memory loader and a frozen clock unless a test says otherwise."""

    def build(trainer=None, loader=fake_loader, clock=None, **kwargs):
        return make_app(store, trainer=trainer or FakeTrainer(), loader=loader, clock=clock or FrozenClock(), **kwargs)

    return build
