"""Shared fixtures: the real MNIST sample from ../shared (skipped with a reason where absent), temp stores
and config dirs so no test touches the user's own files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
SAMPLE_NPZ = SHARED_DATA / "mnist-sample.npz"
T10K_DIR = SHARED_DATA / "mnist-t10k"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture
def store(tmp_path):
    """An empty run store of the test's own."""
    from engine.store import Store

    s = Store(tmp_path / "runs.sqlite3")
    yield s
    s.close()


@pytest.fixture
def sample_npz() -> Path:
    if not SAMPLE_NPZ.is_file():
        pytest.skip(f"real MNIST sample not found at {SAMPLE_NPZ} (../shared/data is not beside the project)")
    return SAMPLE_NPZ


@pytest.fixture
def t10k_dir() -> Path:
    if not T10K_DIR.is_dir():
        pytest.skip(f"MNIST t10k IDX files not found at {T10K_DIR}")
    return T10K_DIR


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path, monkeypatch):
    """Every test gets its own config dir, store path and no MNIST_TUI_DATA from the environment."""
    monkeypatch.setenv("MNIST_TUI_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("MNIST_TUI_STORE", str(tmp_path / "runs.sqlite3"))
    monkeypatch.delenv("MNIST_TUI_DATA", raising=False)
    yield
