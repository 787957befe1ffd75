"""Snapshot tests (pytest-textual-snapshot) at 100x32: Home, the editor showing errors, training mid-run.

Deterministic by construction: a fixed store, an isolated config dir (no user presets), the fake trainer
held after epoch 3 and a frozen clock. Regenerate with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the SVGs in __snapshots__ before committing them.
"""

from __future__ import annotations

from textual.widgets import Input
from tui_fakes import curve

from engine.events import EpochEnd, Finished
from engine.presets import find_preset

SIZE = (100, 32)


def add_runs(store) -> None:
    """Two finished runs, as the CLI would have stored them."""
    for preset_id, epochs, status in (("part1-small", 10, "completed"), ("part2-narrow", 4, "cancelled")):
        p = find_preset(preset_id)
        run_id = store.start_run(p.id, p.part, p.spec)
        for e in range(1, epochs + 1):
            store.add_epoch(run_id, EpochEnd(e, **curve(e), seconds=1.0))
        c = curve(epochs)
        store.finish_run(
            run_id,
            Finished(run_id, status, epochs, train_accuracy=c["accuracy"], val_accuracy=c["val_accuracy"],
                     test_accuracy=c["val_accuracy"] - 0.01),
        )  # fmt: skip


def test_home(screenshot, app_factory, store):
    add_runs(store)
    assert screenshot(app_factory(), terminal_size=SIZE)


def test_editor_with_errors(screenshot, app_factory):
    async def show_errors(pilot):
        await pilot.press("down", "e")
        screen = pilot.app.screen
        screen.query_one("#f-hidden_layers", Input).value = "10 x abc"
        screen.query_one("#f-epochs", Input).value = "0"
        screen.query_one("#f-name", Input).focus()
        await pilot.pause()

    assert screenshot(app_factory(), terminal_size=SIZE, run_before=show_errors)
