"""The whole example sweep (docs/example-sweep.toml: 10 points x 3 seeds = 30 runs) through the worker on
60,000 synthetic images, with the default stacking (small nets' seeds in one program, on a shared batch
order) against `MNIST_TUI_STACK=0` (every seed its own run), in fresh stores, interleaved. Prints wall
seconds from queueing to the worker's exit and the CPU seconds of the worker and its slots.

    python -m bench.sweep_stack [--rounds 1] [--epochs N] [--subset N]
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
from bench.slots import adopt_orphans, wait_for_worker

SWEEP = ROOT / "docs" / "example-sweep.toml"
MODES = {"default (auto)": None, "MNIST_TUI_STACK=0": "0"}


def drain(stack: str | None, data: Path, args) -> tuple[float, float, int]:
    folder = Path(tempfile.mkdtemp())
    store = folder / "runs.sqlite3"
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "XDG_STATE_HOME": str(folder / "state"),
        "MNIST_TUI_COMPILE_CACHE": str(folder / "compile-cache"),
    }
    env.pop("MNIST_TUI_STACK", None)
    if stack is not None:
        env["MNIST_TUI_STACK"] = stack
    sweep = SWEEP
    if args.epochs:  # the sweep's points start from part1-small's 10 epochs unless told
        sweep = folder / "sweep.toml"
        sweep.write_text(SWEEP.read_text() + f"epochs = [{args.epochs}]\n")
    base = [PYTHON, "-m", "tui.cli"]
    shrink = ["--subset", str(args.subset)] if args.subset else []
    t0 = time.perf_counter()
    subprocess.run(
        [*base, "sweep", str(sweep), "--detach", "--data", str(data), "--store", str(store), *shrink],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    cpu = wait_for_worker()
    wall = time.perf_counter() - t0
    out = subprocess.run(
        [*base, "runs", "--json", "--all", "--store", str(store)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    runs = json.loads(out.stdout or "[]")
    if len(runs) != 30 or any(r["status"] != "completed" for r in runs):
        raise SystemExit(f"STACK={stack}: not every run completed: {[r['status'] for r in runs]} ({folder})")
    stacked = sum(1 for r in runs if (r.get("extra") or {}).get("stacked"))
    return wall, cpu, stacked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--epochs", type=int, help="override the points' epochs (default: part1-small's 10)")
    parser.add_argument("--subset", type=int, help="train on the first N images (default: all 60,000)")
    args = parser.parse_args()
    if not adopt_orphans():
        raise SystemExit("bench.sweep_stack needs Linux (prctl PR_SET_CHILD_SUBREAPER) to wait for the worker")
    data = write_synthetic_npz(Path(tempfile.mkdtemp()))
    print(f"machine: {machine()}; the example sweep (30 runs), {args.subset or 60_000} images, 1 slot")
    walls: dict[str, list[float]] = {m: [] for m in MODES}
    cpus: dict[str, list[float]] = {m: [] for m in MODES}
    for r in range(args.rounds):
        for name, stack in MODES.items():
            wall, cpu, stacked = drain(stack, data, args)
            walls[name].append(wall)
            cpus[name].append(cpu)
            print(f"  round {r + 1}: {name}: {wall:.1f} s wall, {cpu:.1f} CPU s, {stacked} of 30 runs stacked",
                  file=sys.stderr, flush=True)  # fmt: skip
    for name in MODES:
        print(f"{name:>18}: {median(walls[name]):7.1f} s wall  {median(cpus[name]):7.1f} CPU s")
    default, alone = (median(walls[m]) for m in MODES)
    print(f"RATIO default/STACK=0 {default / alone:.2f} (wall)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
