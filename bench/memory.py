"""Peak memory: `mnist-tui train --all` on full-size synthetic data (a 60,000 + 10,000 image npz written to
a temp dir, --data) against `train part1-large` alone: the data is loaded once per process and shared by
every run in the queue, so the whole queue should peak near one run. Peak RSS of each child process.
And the TUI's own RSS after a run it queued (the worker process trains; the TUI never loads TensorFlow):
target under 250 MB.

    .venv/bin/python -m bench.memory [--epochs 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
from pathlib import Path

from bench.common import PYTHON, ROOT, machine, run_json, write_synthetic_npz

TUI_TARGET_MB = 250


def peak_rss_mib(cmd: list[str], env: dict) -> float:
    """ru_maxrss of one child: wrap it so each measurement is its own process tree."""
    probe = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([PYTHON, "-c", probe, *cmd], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr[-2000:]}")
    return int(out.stdout.strip()) / 1024  # Linux reports KiB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=1, help="per run (memory does not grow with epochs)")
    args = ap.parse_args()
    assert resource.RUSAGE_CHILDREN
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        npz = write_synthetic_npz(Path(tmp))
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MNIST_TUI_CONFIG": tmp}
        train = [PYTHON, "-m", "tui.cli", "train", "--data", str(npz), "--epochs", str(args.epochs)]
        for backend in ("tensorflow", "jax"):
            benv = {**env, "KERAS_BACKEND": backend}
            base = peak_rss_mib([PYTHON, "-c", "import engine.backend as b; b.import_keras()"], benv)
            one = peak_rss_mib([*train, "part1-large", "--store", f"{tmp}/{backend}-1.sqlite3"], benv)
            every = peak_rss_mib([*train, "--all", "--store", f"{tmp}/{backend}-all.sqlite3"], benv)
            rows.append((backend, base, one, every))
        probe = [PYTHON, "-m", "bench.tui_probe", "train", str(npz), str(args.epochs), f"{tmp}/tui.sqlite3"]
        tui = run_json(probe)
    print(f"peak RSS on {machine()}; 60,000 + 10,000 synthetic images, {args.epochs} epoch(s) per run")
    print("  the float32 dataset itself: 70,000 x 784 x 4 B = 210 MiB (+ labels), loaded once per process")
    for backend, base, one, every in rows:
        print(
            f"  {backend:<10} import Keras {base:6.0f} MiB | train part1-large {one:6.0f} MiB | "
            f"train --all (6 runs) {every:6.0f} MiB"
        )
        print(f"RATIO {backend} train --all / train part1-large = {every / one:.2f} (one copy of the data: near 1)")
    tui_mb = tui["tui_rss"] / 2**20
    print(
        f"  TUI process after queuing part1-large and watching it train: {tui_mb:.0f} MB RSS, heavy modules "
        f"imported: {tui['heavy'] or 'none'}"
    )
    print(f"RATIO TUI RSS after a run / target = {tui_mb / TUI_TARGET_MB:.2f} ({tui_mb:.0f} MB vs {TUI_TARGET_MB} MB)")


if __name__ == "__main__":
    main()
