"""End to end through the TUI with the real worker process and the real Keras trainer, on the repo's digits:
training outlives the TUI that queued it, a new TUI follows it live, and no TUI process imports TensorFlow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import child_env

from engine.store import Store

HERE = Path(__file__).resolve().parent


@pytest.mark.slow
def test_training_outlives_the_tui_and_a_new_tui_follows_it(sample_npz, tmp_path):
    store_path = tmp_path / "runs.sqlite3"
    env = child_env({**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")})
    out = subprocess.run(
        [sys.executable, str(HERE / "e2e_scenario.py"), str(store_path), str(sample_npz)],
        capture_output=True,
        text=True,
        timeout=400,
        env=env,
        cwd=HERE.parents[1],
    )
    log = tmp_path / "state" / "mnist-tui" / "worker.log"
    assert out.returncode == 0, out.stderr[-2000:] + (log.read_text()[-2000:] if log.exists() else "")
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["first_run_live"] == "part1-small"
    assert "in the background: 1 run training, 1 waiting in the queue" in seen["farewell"]
    assert seen["second_live"] is True  # the new TUI saw the second run while it trained
    assert seen["epoch_label"] == "Epoch 100/100" and "completed after 100 epochs" in seen["detail"]
    assert seen["heavy_modules"] == []  # TensorFlow lives in the worker, never in a TUI
    runs = {r.preset: r for r in Store(store_path).runs()}
    assert runs["part1-small"].status == "completed" and runs["part2-narrow"].status == "completed"
    assert runs["part2-narrow"].sizes["train"] == 500 and runs["part2-narrow"].epochs_completed == 100
