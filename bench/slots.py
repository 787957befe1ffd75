"""Several runs at once: the whole exercise with repeats (`queue --all --repeats R`) through the worker with
`--slots 2` against `--slots 1`, wall time from queueing to the last run's end, on the same data, in fresh
stores, interleaved. Target: 2 slots take at most 0.7x the wall time of 1 on a 2-core box. Also prints
each run's test accuracy under both, so the answers are seen to rest on the same numbers.

    python -m bench.slots [--repeats 3] [--epochs 2] [--subset 10000] [--rounds 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import PYTHON, ROOT, machine, median, write_synthetic_npz

TARGET = 0.7


def drain(slots: int, data: Path, repeats: int, epochs: int, subset: int) -> tuple[float, dict]:
    folder = Path(tempfile.mkdtemp())
    store = folder / "runs.sqlite3"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "XDG_STATE_HOME": str(folder / "state")}
    base = [PYTHON, "-m", "tui.cli"]
    t0 = time.perf_counter()
    subprocess.run(
        [
            *base,
            "queue",
            "--all",
            "--repeats",
            str(repeats),
            "--epochs",
            str(epochs),
            "--subset",
            str(subset),
            "--data",
            str(data),
            "--store",
            str(store),
            "--slots",
            str(slots),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    while True:
        out = subprocess.run(
            [*base, "runs", "--json", "--all", "--store", str(store)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        runs = json.loads(out.stdout or "[]")
        if len(runs) == 6 * repeats and all(r["status"] != "running" for r in runs):
            break
        time.sleep(0.5)
    wall = time.perf_counter() - t0
    return wall, {(r["preset"], r["spec"]["seed"]): r["test_accuracy"] for r in runs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--subset", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    data = write_synthetic_npz(Path(tempfile.mkdtemp()))
    print(f"machine: {machine()}; train --all --repeats {args.repeats}, {args.epochs} epochs, {args.subset} images")
    walls: dict[int, list[float]] = {1: [], 2: []}
    accuracies: dict[int, dict] = {}
    for r in range(args.rounds):
        for slots in (1, 2):
            wall, accuracies[slots] = drain(slots, data, args.repeats, args.epochs, args.subset)
            walls[slots].append(wall)
            print(f"  round {r + 1}: {slots} slot(s) {wall:.1f} s", file=sys.stderr, flush=True)
    one, two = median(walls[1]), median(walls[2])
    same = accuracies[1].keys() == accuracies[2].keys()
    diff = max(abs((accuracies[1][k] or 0) - (accuracies[2][k] or 0)) for k in accuracies[1]) if same else None
    print(f"1 slot: {one:.1f} s   2 slots: {two:.1f} s")
    print(f"same runs under both: {same}; largest test-accuracy difference between them: {diff}")
    ratio = two / one
    print(f"RATIO slots2/slots1 {ratio:.2f} (target <= {TARGET})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
