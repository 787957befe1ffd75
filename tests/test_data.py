"""MNIST loading: an npz or an IDX folder, scaled and one-hot, a fixed validation slice, --subset,
loaded once per process; every bad file is a one-line DataError naming it."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest

from engine import data
from engine.data import load_idx_dir, load_npz, load_raw, load_splits, make_splits
from engine.errors import DataError


@pytest.fixture
def fresh_cache(monkeypatch):
    """Each test sees an empty per-process cache (and the real one is left as it was)."""
    monkeypatch.setattr(data, "_raw_cache", {})


def full_idx_dir(t10k_dir, dest, gz: bool):
    """A complete four-file IDX folder built from the fixture's t10k files (they stand in for train too)."""
    dest.mkdir()
    for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
        src = t10k_dir / f"t10k-{kind}.gz"
        for split in ("train", "t10k"):
            if gz:
                shutil.copy(src, dest / f"{split}-{kind}.gz")
            else:
                (dest / f"{split}-{kind}").write_bytes(gzip.decompress(src.read_bytes()))
    return dest


def test_npz_splits_are_scaled_one_hot_and_fixed(sample_npz, fresh_cache):
    s = load_splits(sample_npz)
    assert s.sizes() == {"train": 5000, "validation": 1000, "test": 1000}
    assert s.x_train.shape == (5000, 784) and s.x_train.dtype == np.float32
    assert 0.0 <= s.x_train.min() and s.x_train.max() <= 1.0 and s.x_train.max() > 0.99
    assert s.y_train.shape == (5000, 10) and np.all(s.y_train.sum(axis=1) == 1)
    raw = load_raw(sample_npz)
    # validation is the last sixth of the training set, in order; test is the test set
    assert np.array_equal(s.y_val.argmax(axis=1), raw.y_train[-1000:])
    assert np.array_equal(s.y_test.argmax(axis=1), raw.y_test)
    assert np.allclose(s.x_val[0], raw.x_train[-1000].reshape(784) / 255.0)
    # bit for bit the pixels Keras examples feed (x.astype("float32") / 255), however they are computed
    reference = raw.x_train.reshape(len(raw.x_train), 784).astype(np.float32) / 255.0
    assert np.array_equal(np.concatenate([s.x_train, s.x_val]).view(np.uint32), reference.view(np.uint32))


def test_subset_takes_the_first_n_and_keeps_validation_and_test(sample_npz, fresh_cache):
    full, small = load_splits(sample_npz), load_splits(sample_npz, subset=500)
    assert small.sizes() == {"train": 500, "validation": 1000, "test": 1000}
    assert np.array_equal(small.x_train, full.x_train[:500])
    assert np.array_equal(small.x_val, full.x_val)
    assert load_splits(sample_npz, subset=10**9).sizes()["train"] == 5000  # more than there is: all of it


def test_validation_fraction(sample_npz, fresh_cache):
    assert load_splits(sample_npz, validation_fraction=0.25).sizes() == {
        "train": 4500,
        "validation": 1500,
        "test": 1000,
    }


def test_subset_must_be_positive(sample_npz, fresh_cache):
    with pytest.raises(DataError, match="--subset"):
        load_splits(sample_npz, subset=0)


def test_data_is_loaded_once_per_process(sample_npz, fresh_cache, monkeypatch):
    calls = []
    real = data._load_uncached
    monkeypatch.setattr(data, "_load_uncached", lambda src: calls.append(src) or real(src))
    a = load_splits(sample_npz, subset=100)
    b = load_splits(str(sample_npz))
    c = load_splits(sample_npz, validation_fraction=0.5)
    assert len(calls) == 1
    assert np.shares_memory(a.x_train, b.x_train) and np.shares_memory(a.x_test, c.x_test)  # views, no copies


def test_env_variable_points_at_the_data(sample_npz, fresh_cache, monkeypatch):
    monkeypatch.setenv("MNIST_TUI_DATA", str(sample_npz))
    assert load_splits().source == str(sample_npz)


@pytest.mark.parametrize("gz", [True, False], ids=["gzipped", "raw"])
def test_idx_folder(t10k_dir, tmp_path, gz, fresh_cache):
    folder = full_idx_dir(t10k_dir, tmp_path / "mnist", gz)
    raw = load_idx_dir(folder)
    assert raw.x_train.shape == (600, 28, 28) and raw.y_test.shape == (600,)
    s = load_splits(folder)
    assert s.sizes() == {"train": 500, "validation": 100, "test": 600}


def test_same_digits_from_npz_and_idx(t10k_dir, tmp_path, fresh_cache):
    raw = load_idx_dir(full_idx_dir(t10k_dir, tmp_path / "mnist", gz=True))
    np.savez(tmp_path / "m.npz", x_train=raw.x_train, y_train=raw.y_train, x_test=raw.x_test, y_test=raw.y_test)
    again = load_npz(tmp_path / "m.npz")
    assert np.array_equal(again.x_train, raw.x_train) and np.array_equal(again.y_test, raw.y_test)


def test_floats_are_cached_per_dataset_not_per_name(tmp_path, monkeypatch, fresh_cache):
    """Two different files reached by the same relative name must not share a float cache."""
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        x = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
        y = np.arange(12, dtype=np.uint8) % 10
        np.savez(tmp_path / name / "m.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    monkeypatch.chdir(tmp_path / "a")
    first = load_splits("m.npz")
    monkeypatch.chdir(tmp_path / "b")
    second = load_splits("m.npz")
    assert not np.array_equal(first.x_train, second.x_train)


def test_raw_integer_pixels_other_than_uint8_are_accepted(tmp_path):
    x = np.full((4, 28, 28), 255, dtype=np.int64)
    y = np.array([0, 1, 2, 3])
    np.savez(tmp_path / "m.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    raw = load_npz(tmp_path / "m.npz")
    assert raw.x_train.dtype == np.uint8 and raw.x_train.max() == 255
    assert make_splits(raw).x_train.max() == 1.0
