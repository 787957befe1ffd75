"""The command line: train headless on real data, JSON lines and keys, runs, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from engine import __version__
from tui.cli import main

END_KEYS = {
    "event",
    "run_id",
    "status",
    "epochs_completed",
    "train_accuracy",
    "val_accuracy",
    "test_accuracy",
    "train_loss",
    "val_loss",
    "test_loss",
    "seconds_per_epoch",
}
EPOCH_KEYS = {"event", "epoch", "loss", "accuracy", "val_loss", "val_accuracy", "seconds"}


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def runs_json(capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["runs", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
def test_train_part1_small_headless_on_real_data(sample_npz, capsys):
    """The first run a new user types (a real process: exit code, stdout, stderr)."""
    args = ("train", "part1-small", "--epochs", "2", "--subset", "5000", "--data", str(sample_npz), "--json")
    done = cli(*args)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    epochs, end = lines[:-1], lines[-1]
    assert [e["event"] for e in epochs] == ["epoch", "epoch"] and [e["epoch"] for e in epochs] == [1, 2]
    assert all(EPOCH_KEYS <= set(e) for e in epochs)
    assert END_KEYS <= set(end) and end["event"] == "end"
    assert end["status"] == "completed" and end["epochs_completed"] == 2
    assert end["test_accuracy"] > 0.8  # chance is 0.1
    assert all(isinstance(end[k], float) for k in END_KEYS - {"event", "run_id", "status", "epochs_completed"})

    (run,) = runs_json(capsys)
    assert (run["run_id"], run["preset"], run["status"], run["epochs_completed"]) == (
        end["run_id"],
        "part1-small",
        "completed",
        2,
    )
    assert [h["epoch"] for h in run["history"]] == [1, 2]
    assert run["history"][1]["val_accuracy"] == pytest.approx(epochs[1]["val_accuracy"])
    assert run["spec"]["epochs"] == 2 and run["spec"]["hidden_layers"] == [48]
    assert run["test_accuracy"] == pytest.approx(end["test_accuracy"])


@pytest.mark.slow
def test_train_human_output_and_runs_table(sample_npz, capsys):
    code = main(["train", "part1-small", "--epochs", "1", "--subset", "300", "--data", str(sample_npz), "--seed", "3"])
    out = capsys.readouterr()
    assert code == 0 and out.err == ""
    assert "loading MNIST" in out.out and "epoch   1/1" in out.out and "completed after 1 epoch(s)" in out.out
    assert main(["runs"]) == 0
    table = capsys.readouterr().out
    assert "part1-small" in table and "completed" in table and "1/1" in table
    (run,) = runs_json(capsys)
    assert run["spec"]["seed"] == 3


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"mnist-tui {__version__}"
    with pytest.raises(SystemExit) as done:
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and "--learning-rate" in out and "--subset" in out


def test_runs_when_empty(capsys):
    assert main(["runs"]) == 0
    assert "no runs yet" in capsys.readouterr().out
    assert runs_json(capsys) == []


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["train"], "needs a preset"),
        (["train", "part3", "--all"], "either a preset or --all"),
        (["train", "nope"], "unknown preset 'nope'"),
        (["train", "part1-small", "--epochs", "0"], "epochs:"),
        (["frobnicate"], "invalid choice"),
        (["train", "part3", "--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_usage_exits_2_with_one_line(args, needle, capsys):
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1, err


def test_store_path_flag_and_env(tmp_path, capsys, monkeypatch):
    target = tmp_path / "elsewhere" / "my.sqlite3"
    assert main(["runs", "--store", str(target)]) == 0
    assert target.is_file()
    monkeypatch.setenv("MNIST_TUI_STORE", str(tmp_path / "env.sqlite3"))
    assert main(["runs"]) == 0
    assert (tmp_path / "env.sqlite3").is_file()


def test_unexpected_exception_is_one_line_without_traceback(monkeypatch, capsys):
    import tui.commands.presets as presets_mod

    def boom(args):
        raise ValueError("something nobody foresaw\nsecond line")

    monkeypatch.setattr(presets_mod, "cmd_presets", boom)
    assert main(["presets"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "ValueError: something nobody foresaw" in err
    with pytest.raises(ValueError):
        main(["presets", "--debug"])


def test_help_answers_without_loading_the_engine():
    """`--help` must answer at once: no pydantic, numpy, Textual or Keras behind it (each command module
    imports what it needs when it runs)."""
    code = (
        "import sys, tui.cli\n"
        "try:\n    tui.cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pydantic', 'numpy', 'textual', 'keras', 'tensorflow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_the_worker_options_reach_the_command_before_or_after_it():
    """`mnist-tui --slots 2 queue X` and `mnist-tui queue X --slots 2` both start the worker with 2 slots
    (the command's own unset option once undid the one given before it)."""
    from tui.cli import build_parser

    parser = build_parser()
    for argv in (["--slots", "2", "queue", "part1-small"], ["queue", "part1-small", "--slots", "2"]):
        args = parser.parse_args(argv)
        assert getattr(args, "slots", None) == 2, argv
    args = parser.parse_args(["--cluster", "auto", "sweep", "x.toml"])
    assert getattr(args, "cluster", None) == "auto"
    assert getattr(parser.parse_args(["queue"]), "slots", None) is None


def test_train_and_controls_take_the_worker_options_only_with_detach(tmp_path, capsys):
    """`train --detach --slots 2` and `controls --detach --cluster X` reach the worker; without --detach the
    foreground trains one run at a time here, so the options are refused (exit 2), not silently ignored."""
    from tui.cli import build_parser, main

    parser = build_parser()
    args = parser.parse_args(["train", "part1-large", "--detach", "--slots", "2"])
    assert args.slots == 2 and args.detach
    args = parser.parse_args(["controls", "--detach", "--cluster", "auto"])
    assert args.cluster == "auto"
    store = str(tmp_path / "runs.sqlite3")
    for argv in (["train", "part1-small", "--slots", "2"], ["--cluster", "auto", "controls"]):
        assert main([*argv, "--store", store]) == 2, argv
        err = capsys.readouterr().err
        assert "needs --detach" in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "runs.sqlite3").exists()  # refused before anything was opened or queued
