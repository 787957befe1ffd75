"""Plain helpers shared by test modules. Imported as `from helpers import ...`: a conftest cannot be
imported by name, since tests/ and tests/tui/ each have one and both would be the module `conftest`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the folders whose modules tests import by name (pyproject's pytest `pythonpath` puts them on sys.path)
TEST_MODULES = (ROOT / "tests", ROOT / "tests" / "tui")


def child_env(env: dict | None = None) -> dict:
    """An environment (os.environ unless given) for a child Python process in which this checkout and the
    tests' own modules (helpers, tui_fakes...) import by name, as they do in the test process."""
    env = dict(os.environ if env is None else env)
    paths = [str(p) for p in (ROOT, *TEST_MODULES)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


@cache
def run_probe(script: Path, backend: str) -> dict:
    """Run a probe script in a fresh process on one Keras backend (Keras picks its backend once per process,
    so one pytest run checks both): its last line of output is its JSON report. Once per session."""
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def wait_for(condition, what: str, timeout: float = 10.0, every: float = 0.02) -> None:
    """Poll condition() from a test's thread (a worker thread or process is changing things meanwhile) until it
    holds; fail naming `what` after timeout seconds. The TUI tests' `until` is the same inside an app."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)
