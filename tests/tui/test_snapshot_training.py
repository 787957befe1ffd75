"""Snapshots of the training screen mid-run at 80x24 and 100x32, built from store rows alone (a run three
epochs in, its live row, two jobs waiting): the same rows any TUI would read, with no clock or CPU noise."""

from __future__ import annotations

import time

import pytest
from tui_fakes import curve

from engine.events import EpochEnd
from engine.presets import find_preset
from engine.store import ProgressRow
from tui.app import make_app


def three_epochs_in(store) -> None:
    presets = [find_preset(p) for p in ("part2-narrow", "part2-medium", "part2-wide")]
    for p in presets:
        store.jobs.add(p.id, p.part, p.spec, data="/data/mnist.npz")
    job = store.jobs.claim_next()
    p = presets[0]
    run_id = store.start_run(p.id, p.part, p.spec, data_source="/data/mnist.npz")
    store.set_environment(run_id, "fake", "Test Device", {}, {"train": 50_000, "validation": 10_000, "test": 10_000})
    store.jobs.attach_run(job.job_id, run_id)
    for e in range(1, 4):
        store.add_epoch(run_id, EpochEnd(e, **curve(e), seconds=1.0, gradients=[1e-6 * e, 1e-3]))
    store.progress.update(
        ProgressRow(run_id, "training", 4, 10, 900, 1563, 0.3, 0.9, 30.0, 70.0, 97.0, 412 * 2**20, [], time.time())
    )
    # readers add the time since the row was written to `elapsed`: a row from the future adds nothing
    store.db.write("UPDATE live SET updated_at=? WHERE run_id=?", (time.time() + 10**6, run_id))


@pytest.mark.parametrize("size", [(80, 24), (100, 32)], ids=["80x24", "100x32"])
def test_training_mid_run(screenshot, store, size):
    three_epochs_in(store)
    # no worker: one would take the waiting jobs (the rows are the whole story here)
    app = make_app(store, spawn_worker=lambda path: None)

    async def show(pilot):
        pilot.app.action_show_training()
        await pilot.pause()

    assert screenshot(app, terminal_size=size, run_before=show)
