"""Shared fixtures: the repo's own real MNIST digits (tests/fixtures, cut by make_fixture.py), temp stores and
config dirs so no test touches the user's own files, and a guard that fails any skip not listed here.

A skipped test is green in pytest's summary, so a test that silently stops running looks like one that
passes. Every skip is therefore a failure unless its reason starts with one of ALLOWED_SKIP_REASONS.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
SAMPLE_NPZ = FIXTURES / "mnist-small.npz"  # 6000 train + 1000 test real digits, Keras mnist.npz layout
T10K_DIR = FIXTURES / "mnist-idx"  # the first 600 official t10k digits, as gzipped IDX files

# Skips that are right on some machines: reason prefix -> why it is allowed.
ALLOWED_SKIP_REASONS: dict[str, str] = {
    "no /proc": "process start times come from /proc; a platform without it cannot tell reused pids apart",
    "the [cluster] extra is not installed": "Ray comes with the [cluster] extra, which the test extra includes",
    "not root": "giving a file to another user (a planted lock) needs root; CI runs as root",
}

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MNIST_TUI_COMPILE_CACHE", "off")  # no persistent XLA cache unless a test asks for one
# seeds one after another (through a test's fake trainer), unless a test turns stacking on (tests/test_stacked.py)
os.environ.setdefault("MNIST_TUI_STACK", "0")


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _unexpected_skip(report) -> str | None:
    if not report.skipped or hasattr(report, "wasxfail"):
        return None
    reason = _skip_reason(report)
    if any(reason.startswith(allowed) for allowed in ALLOWED_SKIP_REASONS):
        return None
    return f"unexpected skip (list it in ALLOWED_SKIP_REASONS in tests/conftest.py if it is right): {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    why = _unexpected_skip(report)
    if why:
        report.outcome, report.longrepr = "failed", why


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    why = _unexpected_skip(report)
    if why:
        report.outcome, report.longrepr = "failed", f"{collector.nodeid}: {why}"


@pytest.fixture(autouse=True)
def private_state(tmp_path_factory, monkeypatch):
    """Worker logs and locks go to a state folder of the test session's, never the user's own."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.getbasetemp() / "state"))


@pytest.fixture
def store(tmp_path):
    """An empty run store of the test's own."""
    from engine.store import Store

    s = Store(tmp_path / "runs.sqlite3")
    yield s
    s.close()


@pytest.fixture
def sample_npz() -> Path:
    """Real digits in the Keras npz layout: the repo's fixture (5000 train + 1000 validation, 1000 test)."""
    return SAMPLE_NPZ


@pytest.fixture
def t10k_dir() -> Path:
    """A folder with the two t10k IDX files (600 real digits), as MNIST publishes them, gzipped."""
    return T10K_DIR


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path, monkeypatch):
    """Every test gets its own config dir, store path and no MNIST_TUI_DATA from the environment."""
    monkeypatch.setenv("MNIST_TUI_CONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("MNIST_TUI_STORE", str(tmp_path / "runs.sqlite3"))
    monkeypatch.delenv("MNIST_TUI_DATA", raising=False)
    yield
