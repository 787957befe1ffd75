"""The whole example sweep (docs/example-sweep.toml: 10 points x 3 seeds = 30 runs) through the worker on
60,000 synthetic images, with the default stacking (small nets' seeds in one program, on a shared batch
order) against `MNIST_TUI_STACK=0` (every seed its own run), in fresh stores, interleaved. Prints wall
seconds from queueing to the worker's exit and the CPU seconds of the worker and its slots.

    python -m bench.sweep_stack [--rounds 1] [--epochs N] [--subset N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT, machine, median, write_synthetic_npz
from bench.worker_drain import adopt_orphans, drain

SWEEP = ROOT / "docs" / "example-sweep.toml"
MODES = {"default (auto)": None, "MNIST_TUI_STACK=0": "0"}


def drain_sweep(stack: str | None, data: Path, args) -> tuple[float, float, int]:
    sweep = SWEEP
    if args.epochs:  # the sweep's points start from part1-small's 10 epochs unless told
        sweep = Path(tempfile.mkdtemp()) / "sweep.toml"
        sweep.write_text(SWEEP.read_text() + f"epochs = [{args.epochs}]\n")
    shrink = ["--subset", str(args.subset)] if args.subset else []
    d = drain(["sweep", str(sweep), "--detach", "--data", str(data), *shrink], {"MNIST_TUI_STACK": stack})
    if len(d.runs) != 30 or any(r["status"] != "completed" for r in d.runs):
        raise SystemExit(f"STACK={stack}: not every run completed: {[r['status'] for r in d.runs]} ({d.folder})")
    stacked = sum(1 for r in d.runs if (r.get("extra") or {}).get("stacked"))
    return d.wall, d.cpu, stacked


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
            wall, cpu, stacked = drain_sweep(stack, data, args)
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
