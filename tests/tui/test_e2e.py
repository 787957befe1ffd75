"""End to end through the TUI with the real Keras trainer: a tiny net on the shared MNIST sample."""

from __future__ import annotations

import asyncio
import os

import pytest
from textual.widgets import Input
from tui_fakes import text_of, until

from tui.app import make_app
from tui.screens.editor import EditorScreen
from tui.screens.training import TrainingScreen
from tui.widgets.curves import CurvesPlot


@pytest.mark.slow
def test_a_real_model_trains_through_the_tui(sample_npz, store):
    app = make_app(store, data=str(sample_npz), subset=500)

    async def scenario():
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.press("down", "e")  # a copy of Part One, small
            editor = app.screen
            assert isinstance(editor, EditorScreen)
            editor.query_one("#f-epochs", Input).value = "2"
            await pilot.pause()
            await pilot.press("ctrl+t")
            assert isinstance(app.screen, TrainingScreen)
            await until(pilot, lambda: app.view and not app.view.active, timeout=150, what="the real run")
            phases = app.view.phases
            screen = app.screen
            assert text_of(screen.query_one("#epoch")) == "Epoch 2/2"
            assert "completed after 2 epochs" in text_of(screen.query_one("#detail"))
            assert screen.query_one("#accuracy", CurvesPlot).series()[0] == [1, 2]

            loading = (
                "loading TensorFlow"
                if os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow"
                else "loading Keras"
            )
            assert loading in phases and any(p.startswith("loading MNIST from") for p in phases)

    asyncio.run(scenario())
    [record] = store.runs()
    assert record.status == "completed" and record.epochs_completed == 2 and record.sizes["train"] == 500
    assert record.backend and 0.0 <= record.metrics["test_accuracy"] <= 1.0
    assert record.preset == "part-one-small-copy" and record.part == "part1-small"
