"""Issue 7, case 3: data files that are missing, partial, corrupt or mis-shaped are one line on stderr
naming the file, exit 1, no traceback, nothing stored - and found before TensorFlow is even imported."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys

import numpy as np
import pytest

from engine import data
from engine.errors import DataError
from engine.idx import read_idx
from tui.cli import main


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    monkeypatch.setattr(data, "_raw_cache", {})


def tiny_mnist(**override) -> dict:
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(20) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(10) % 10).astype(np.uint8),
    }
    arrays.update(override)
    return {k: v for k, v in arrays.items() if v is not None}


def npz(tmp_path, name="m.npz", **override):
    path = tmp_path / name
    np.savez(path, **tiny_mnist(**override))
    return path


def train_with(capsys, data_path) -> tuple[int, str]:
    code = main(["train", "part1-small", "--epochs", "1", "--data", str(data_path)])
    err = capsys.readouterr().err
    assert main(["runs", "--json"]) == 0 and capsys.readouterr().out.strip() == "[]"  # nothing stored
    return code, err


def assert_one_line(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], lines[0]


def write_idx(path, array: np.ndarray) -> None:
    import struct

    header = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes()))


def test_missing_file(tmp_path, capsys):
    code, err = train_with(capsys, tmp_path / "nowhere.npz")
    assert code == 1
    assert_one_line(err, "nowhere.npz: no such file or directory")


def test_corrupt_npz(tmp_path, capsys):
    path = tmp_path / "corrupt.npz"
    path.write_bytes(b"garbage, not a zip archive" * 10)
    code, err = train_with(capsys, path)
    assert code == 1
    assert_one_line(err, "corrupt.npz: not an npz archive")
    assert "pickle" not in err  # numpy's guess that it is a pickle is not the user's problem


def test_truncated_npz(sample_npz, tmp_path, capsys):
    path = tmp_path / "cut.npz"
    path.write_bytes(sample_npz.read_bytes()[:100_000])
    code, err = train_with(capsys, path)
    assert code == 1
    assert_one_line(err, "cut.npz: not")


def test_npz_with_a_pickled_object_array_is_refused(tmp_path, capsys):
    path = npz(tmp_path, x_train=np.array([1, "a", None], dtype=object))
    code, err = train_with(capsys, path)
    assert code == 1
    assert_one_line(err, "m.npz: not a readable npz archive", "allow_pickle=False")


def test_idx_dir_without_training_files(t10k_dir, capsys):
    code, err = train_with(capsys, t10k_dir)
    assert code == 1
    assert_one_line(err, str(t10k_dir), "lacks train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]")


def test_idx_dir_with_a_corrupt_file(t10k_dir, tmp_path, capsys):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(t10k_dir / name, folder / name)
        shutil.copy(t10k_dir / name, folder / name.replace("t10k", "train"))
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b broken")
    code, err = train_with(capsys, folder)
    assert code == 1
    assert_one_line(err, "train-labels-idx1-ubyte.gz: cannot read")


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        (
            {"x_train": np.zeros((20, 784), np.uint8)},
            "m.npz[x_train]: images must have shape (N, 28, 28), got (20, 784)",
        ),
        ({"x_test": np.zeros((10, 28, 27), np.uint8)}, "m.npz[x_test]: images must have shape (N, 28, 28)"),
        ({"y_train": np.zeros((20, 10), np.uint8)}, "m.npz[y_train]: labels must have shape (N,)"),
        ({"y_train": np.zeros(19, np.uint8)}, "m.npz[y_train]: 19 labels for 20 images"),
        ({"y_train": np.full(20, 12, np.int64)}, "m.npz[y_train]: labels must be 0-9, found 12..12"),
        ({"y_test": np.full(10, -1, np.int64)}, "m.npz[y_test]: labels must be 0-9, found -1..-1"),
        ({"y_train": np.zeros(20, np.float32)}, "m.npz[y_train]: labels must be integers"),
        ({"x_train": np.full((20, 28, 28), np.nan)}, "m.npz[x_train]: pixels must be integers 0-255"),
        ({"x_train": np.full((20, 28, 28), 300, np.int64)}, "m.npz[x_train]: pixels must be 0-255"),
        ({"x_test": np.zeros((0, 28, 28), np.uint8), "y_test": np.zeros(0, np.uint8)}, "holds no images"),
        ({"y_test": None}, "m.npz: npz lacks y_test"),
    ],
)
def test_wrong_shapes_and_values(override, needle, tmp_path, capsys):
    code, err = train_with(capsys, npz(tmp_path, **override))
    assert code == 1
    assert_one_line(err, needle)


def test_idx_labels_out_of_range(t10k_dir, tmp_path, capsys):
    folder = tmp_path / "mnist"
    folder.mkdir()
    images = read_idx(t10k_dir / "t10k-images-idx3-ubyte.gz")[:50]
    write_idx(folder / "train-images-idx3-ubyte.gz", images)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.full(50, 3, np.uint8))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.full(50, 200, np.uint8))
    code, err = train_with(capsys, folder)
    assert code == 1
    assert_one_line(err, "t10k-labels-idx1-ubyte.gz: labels must be 0-9, found 200..200")


def test_a_single_training_image_cannot_be_split(tmp_path, capsys):
    path = npz(tmp_path, x_train=np.zeros((1, 28, 28), np.uint8), y_train=np.zeros(1, np.uint8))
    code, err = train_with(capsys, path)
    assert code == 1
    assert_one_line(err, "needs at least 2 training images")


def test_a_path_too_long_is_still_one_line(capsys):
    code, err = train_with(capsys, "/tmp/" + "x" * 5000)
    assert code == 1
    assert_one_line(err)


def test_data_is_checked_before_tensorflow_is_imported(tmp_path):
    probe = (
        "import sys, tui.cli\n"
        f"assert tui.cli.main(['train', 'part1-small', '--data', {str(tmp_path / 'none.npz')!r}]) == 1\n"
        "assert 'tensorflow' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert_one_line(done.stderr, "none.npz: no such file or directory")


def test_load_errors_are_data_errors_for_the_tui_too(tmp_path):
    with pytest.raises(DataError, match="nowhere"):
        data.load_splits(tmp_path / "nowhere")
