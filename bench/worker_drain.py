"""Queue jobs for the background worker in a fresh store and wait until the worker has drained them and
exited: the wall seconds from queueing to its exit, the CPU seconds of the worker and every process it
started (its slots), and the runs it stored. Shared by bench/slots.py and bench/sweep_stack.py.

Nothing polls while a drain runs (a `runs --json` every half second cost a quarter of a core), and each
drain compiles from a cold compile cache of its own, so no variant inherits another's programs."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import PYTHON, ROOT

PR_SET_CHILD_SUBREAPER = 36
STORE_NAME = "runs.sqlite3"  # the fresh store in a drain's folder


@dataclass
class Drained:
    wall: float
    cpu: float
    runs: list[dict]
    started: float  # time.time() when the jobs were queued (the runs' timestamps are wall-clock)
    folder: Path

    @property
    def store(self) -> Path:
        return self.folder / STORE_NAME


def adopt_orphans() -> bool:
    """Linux: the detached worker (its own session, its parent gone) becomes this process's child, so its
    exit and its CPU seconds, with its slots', can be waited for."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1) == 0
    except (OSError, AttributeError):
        return False


def wait_for_worker() -> float:
    """Wait until every adopted process (the worker, its resource tracker) has exited: their CPU seconds,
    each including the children it reaped (its slots)."""
    cpu = 0.0
    while True:
        try:
            _, _, usage = os.wait4(-1, 0)
        except ChildProcessError:
            return cpu
        cpu += usage.ru_utime + usage.ru_stime


def drain(command: list[str], env_changes: dict[str, str | None] | None = None) -> Drained:
    """Run `mnist-tui COMMAND --store FRESH` (a command that queues and detaches) and wait for the worker.
    `env_changes` sets variables for it (None: unset)."""
    folder = Path(tempfile.mkdtemp())
    store = folder / STORE_NAME
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "XDG_STATE_HOME": str(folder / "state"),
        "MNIST_TUI_COMPILE_CACHE": str(folder / "compile-cache"),
    }
    for name, value in (env_changes or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    base = [PYTHON, "-m", "tui.cli"]
    t0, started = time.perf_counter(), time.time()
    subprocess.run(
        [*base, *command, "--store", str(store)], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300
    )
    cpu = wait_for_worker()
    wall = time.perf_counter() - t0
    out = subprocess.run(
        [*base, "runs", "--json", "--all", "--store", str(store)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return Drained(wall, cpu, json.loads(out.stdout or "[]"), started, folder)
