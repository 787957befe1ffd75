"""Snapshots of the sweep screen at 80x24 and 100x32 from a known store (tests/sweep_stores.py): progress
with its ETA, the scatter with a mark per run and per point's mean, the points' table and the best point.

Deterministic as tests/tui/test_snapshot_screens.py's: fixed run times and host, every cursor's blink off
(the `screenshot` fixture). Regenerate with `pytest tests/tui/test_snapshot_sweep.py --snapshot-update`
and look at the SVGs before committing them.
"""

from __future__ import annotations

import pytest
from sweep_stores import SIZE_AND_RATE, add_point_run, add_sweep
from tui_fakes import sweep_host

SIZES = [(80, 24), (100, 32)]


@pytest.fixture
def known_sweep(store):
    sweep_id, plan = add_sweep(store, SIZE_AND_RATE)
    for index, tests in ((1, (0.80, 0.82)), (2, (0.86, 0.88)), (3, (0.84, 0.89)), (5, (0.70,))):
        for seed, test in enumerate(tests):
            add_point_run(store, sweep_id, plan, index, test, val=test - 0.01, seed=seed)
    store.db.write("UPDATE runs SET started_at='2026-01-01T10:00:00+00:00', finished_at='2026-01-01T10:05:00+00:00',"
                   " host='test-host'")  # fmt: skip
    return sweep_id


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sweep_screen(screenshot, store, known_sweep, size):
    async def settle(pilot):
        await pilot.pause()

    assert screenshot(sweep_host(store, known_sweep), terminal_size=size, run_before=settle)
