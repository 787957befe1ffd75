"""Issue 7, cases 4-7: whatever happens to a training - it blows up, is killed, is Ctrl+C'd, or shares
its store with another - every finished epoch is kept and the run's status says what happened."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tui.cli import main

pytestmark = pytest.mark.slow

EXPLODING = 'name = "boom"\nhidden_layers = [64]\nactivation = "relu"\nlearning_rate = 10000\nepochs = 3\n'


def runs(capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["runs", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def start_training(sample_npz, *extra: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "tui.cli", "train", "part1-small", "--data", str(sample_npz), "--json", *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_epochs(proc: subprocess.Popen, n: int) -> list[dict]:
    epochs = []
    while len(epochs) < n:
        line = proc.stdout.readline()
        assert line, f"training ended early: {proc.stderr.read()}"
        event = json.loads(line)
        if event["event"] == "epoch":
            epochs.append(event)
    return epochs


def test_relu_at_learning_rate_10000_diverges_and_keeps_its_epochs(sample_npz, tmp_path, capsys):
    spec = tmp_path / "boom.toml"
    spec.write_text(EXPLODING)
    code = main(["train", str(spec), "--data", str(sample_npz), "--subset", "2000", "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    lines = [json.loads(line) for line in out.splitlines()]
    epochs, end = [e for e in lines if e["event"] == "epoch"], lines[-1]
    assert end["status"] == "diverged" and end["epochs_completed"] == len(epochs) >= 1
    assert err.strip().splitlines() == [f"mnist-tui: error: run {end['run_id']} diverged: {end['error']}"]
    (run,) = runs(capsys)
    assert run["status"] == "diverged" and run["epochs_completed"] == len(epochs)
    assert run["history"][0]["loss"] == pytest.approx(epochs[0]["loss"])  # a huge loss, kept as it was


def test_kill_9_after_three_epochs_reads_interrupted_with_them(sample_npz, capsys):
    proc = start_training(sample_npz, "--epochs", "30", "--batch-size", "4", "--subset", "3000")
    try:
        printed = read_epochs(proc, 3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        proc.kill()
    (run,) = runs(capsys)
    assert run["status"] == "interrupted"
    assert run["epochs_completed"] == 3
    assert [h["val_accuracy"] for h in run["history"]] == pytest.approx([e["val_accuracy"] for e in printed])


def test_ctrl_c_stops_and_keeps_finished_epochs_as_cancelled(sample_npz, capsys):
    """How soon it stops is bench/stop.py's to measure."""
    proc = start_training(sample_npz, "--epochs", "50")
    try:
        read_epochs(proc, 2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    end = json.loads(out.splitlines()[-1])
    assert end["event"] == "end" and end["status"] == "cancelled"
    assert err.strip().splitlines()[-1] == (
        f"mnist-tui: run {end['run_id']} cancelled; its {end['epochs_completed']} finished epoch(s) are kept in "
        f"{os.environ['MNIST_TUI_STORE']}"
    )
    (run,) = runs(capsys)
    assert run["status"] == "cancelled" and run["epochs_completed"] == end["epochs_completed"] >= 2


def test_two_trainings_into_one_store_at_once_both_land(sample_npz, capsys):
    procs = [start_training(sample_npz, "--epochs", "3", "--subset", "1500", "--seed", str(s)) for s in (1, 2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    ends = [json.loads(out.splitlines()[-1]) for out, _ in results]
    stored = {r["run_id"]: r for r in runs(capsys)}
    assert sorted(stored) == sorted(e["run_id"] for e in ends)
    for run in stored.values():
        assert run["status"] == "completed" and run["epochs_completed"] == 3
        assert [h["epoch"] for h in run["history"]] == [1, 2, 3]


def test_reader_leaving_the_pipe_cancels_and_keeps_epochs(sample_npz, capsys):
    """`mnist-tui train ... | head -1` (or `| tee log` killed by the same Ctrl+C): cancelled, not failed."""
    proc = start_training(sample_npz, "--epochs", "20", "--subset", "1000")
    try:
        read_epochs(proc, 1)
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait(60)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err and "BrokenPipe" not in err
    (run,) = runs(capsys)
    assert run["status"] == "cancelled" and 1 <= run["epochs_completed"] < 20
