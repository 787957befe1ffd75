"""Issue 7, cases 1-2: broken spec/preset files and bad flags are one line on stderr naming the field,
exit 2, no traceback, and nothing is stored."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tui.cli import main

GOOD = 'name = "x"\nhidden_layers = [10]\n'

# (file contents, what the one line must contain): each names the field (or says why it is not TOML)
BAD_FILES = {
    "not-toml": (b"this is not toml [[[", "not valid TOML"),
    "negative-units": (b'name = "x"\nhidden_layers = [-3]\n', "hidden_layers.0: Input should be greater than"),
    "units-as-text": (b'name = "x"\nhidden_layers = ["ten"]\n', "hidden_layers.0: Input should be a valid integer"),
    "no-hidden-layer": (b'name = "x"\nhidden_layers = []\n', "hidden_layers: List should have at least 1 item"),
    "layers-missing": (b'name = "x"\n', "hidden_layers: is required"),
    "absurd-width": (b'name = "x"\nhidden_layers = [1000000000]\n', "hidden_layers.0: Input should be less than"),
    "learning-rate-0": (GOOD.encode() + b"learning_rate = 0\n", "learning_rate: Input should be greater than 0"),
    "learning-rate-neg": (GOOD.encode() + b"learning_rate = -0.5\n", "learning_rate: Input should be greater than 0"),
    "unknown-activation": (GOOD.encode() + b'activation = "swish2"\n', "activation: Input should be 'sigmoid'"),
    "misspelt-key": (GOOD.encode() + b"epoch = 10\n", "epoch: unknown field (misspelt?)"),
    "batch-size-0": (GOOD.encode() + b"batch_size = 0\n", "batch_size: Input should be greater than or equal to 1"),
    "unknown-part": (GOOD.encode() + b'part = "part9"\n', "part: must be one of"),
    "not-utf8": (b'name = "\xff\xfe"\nhidden_layers = [10]\n', "not UTF-8 text"),
    "duplicate-key": (GOOD.encode() + b"hidden_layers = [5]\n", "not valid TOML"),
    "table-instead-of-value": (GOOD.encode() + b"[epochs]\nn = 3\n", "epochs: Input should be a valid integer"),
}


def train_error(capsys, *args: str) -> tuple[int, str]:
    try:
        code = main(["train", *args])
    except SystemExit as exc:  # argparse
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.err


def assert_one_line(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("mnist-tui")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_spec_file(case, tmp_path, capsys):
    contents, needle = BAD_FILES[case]
    path = tmp_path / f"{case}.toml"
    path.write_bytes(contents)
    code, err = train_error(capsys, str(path))
    assert code == 2
    assert_one_line(err, str(path), needle)
    assert main(["runs", "--json"]) == 0 and capsys.readouterr().out.strip() == "[]"  # nothing stored


def test_absurd_width_is_refused_before_any_model_exists(tmp_path):
    """A validation error from the spec model: TensorFlow is never imported, no tensor ever allocated."""
    path = tmp_path / "wide.toml"
    path.write_text('name = "x"\nhidden_layers = [1000000000]\n')
    probe = (
        "import sys, tui.cli\n"
        f"assert tui.cli.main(['train', {str(path)!r}]) == 2\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert_one_line(done.stderr, "hidden_layers.0: Input should be less than or equal to 4096 (got 1000000000)")


def test_preset_file_that_is_a_directory(tmp_path, capsys):
    (tmp_path / "folder.toml").mkdir()
    code, err = train_error(capsys, str(tmp_path / "folder.toml"))
    assert code == 2
    assert_one_line(err, "is a directory, not a preset file")


def test_preset_file_that_does_not_exist(tmp_path, capsys):
    code, err = train_error(capsys, str(tmp_path / "nope.toml"))
    assert code == 2
    assert_one_line(err, "no such preset file")


def test_preset_file_that_is_too_big(tmp_path, capsys):
    path = tmp_path / "big.toml"
    path.write_text(GOOD + "#" * 100_000)
    code, err = train_error(capsys, str(path))
    assert code == 2
    assert_one_line(err, "too large for a preset file")


def test_preset_is_data_never_code(tmp_path, capsys):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.toml"
    path.write_text(f"name = \"__import__('os').system('touch {marker}')\"\nhidden_layers = [10]\nepochs = \"1\"\n")
    code, err = train_error(capsys, str(path))
    assert code == 2 and not marker.exists()
    assert_one_line(err, "epochs: Input should be a valid integer")


@pytest.mark.parametrize(
    ("flags", "needles"),
    [
        (["--learning-rate", "-1"], ["learning_rate: Input should be greater than 0", "(got -1.0)"]),
        (["--learning-rate", "nan"], ["learning_rate: Input should be a finite number"]),
        (["--learning-rate", "fast"], ["argument --learning-rate: must be a number (got 'fast')"]),
        (["--batch-size", "abc"], ["argument --batch-size: must be a whole number (got 'abc')"]),
        (["--batch-size", "0"], ["batch_size: Input should be greater than or equal to 1"]),
        (["--subset", "-5"], ["argument --subset: must be a positive whole number (got '-5')"]),
        (["--subset", "0"], ["argument --subset: must be a positive whole number"]),
        (["--epochs", "0"], ["epochs: Input should be greater than or equal to 1", "(got 0)"]),
        (["--epochs", "ten"], ["argument --epochs: must be a whole number"]),
        (["--seed", "-2"], ["seed: Input should be greater than or equal to 0"]),
    ],
)
def test_bad_flag(flags, needles, capsys):
    code, err = train_error(capsys, "part1-small", *flags)
    assert code == 2
    assert_one_line(err, *needles)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["train", "part1-small", "--learning-rate", "-1"], "learning_rate"),
        (["train", "part1-small", "--subset", "-5"], "--subset"),
        (["train", "SPEC"], "hidden_layers.0"),
    ],
)
def test_real_process_exit_2_without_traceback(args, needle, tmp_path):
    """The same cases as a user's shell sees them: exit status and stderr of a real process."""
    spec = tmp_path / "neg.toml"
    spec.write_text('name = "x"\nhidden_layers = [-3]\n')
    args = [str(spec) if a == "SPEC" else a for a in args]
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, env=os.environ.copy(), check=False
    )
    assert done.returncode == 2
    assert_one_line(done.stderr, needle)
    assert done.stdout == ""
