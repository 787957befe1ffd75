"""Why a worker's CPU slots share every CPU instead of being pinned one share each: two `train` processes
at once on the same data, pinned apart (one CPU each, as CPU slots used to be) and sharing every CPU (as
they are now), and sharing with half the compute threads each (TF_NUM_INTRAOP_THREADS and _INTEROP_), all
interleaved. Prints each variant's wall seconds until both finish and their CPU seconds.

    python -m bench.slot_cpus [--preset part3] [--epochs 5] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import PYTHON, ROOT, machine, median, write_synthetic_npz


def pair(cpu_sets: list[set[int]], data: Path, args, threads: int | None = None) -> tuple[float, float]:
    """Two trainings at once, each pinned to its set (and with `threads` compute threads, else as many as it
    has CPUs): wall seconds until both exit, and their CPU seconds."""
    folder = Path(tempfile.mkdtemp())
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MNIST_TUI_COMPILE_CACHE": str(folder / "cache")}
    if threads:
        env["TF_NUM_INTRAOP_THREADS"] = env["TF_NUM_INTEROP_THREADS"] = str(threads)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    procs = []
    for i, cpus in enumerate(cpu_sets):
        command = [PYTHON, "-m", "tui.cli", "train", args.preset, "--epochs", str(args.epochs)]
        command += ["--data", str(data), "--store", str(folder / f"runs{i}.sqlite3")]
        procs.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                preexec_fn=lambda cpus=cpus: os.sched_setaffinity(0, cpus),
            )
        )
    if any(p.wait() != 0 for p in procs):
        raise SystemExit(f"a training failed ({folder})")
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="part3")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("bench.slot_cpus needs at least 2 CPUs")
    half = len(cpus) // 2
    variants = {  # name: (each training's CPUs, its compute threads or None for as many as its CPUs)
        "pinned apart": ([set(cpus[:half]), set(cpus[half:])], None),
        "sharing every CPU": ([set(cpus)] * 2, None),
        "sharing, threads halved": ([set(cpus)] * 2, half),
    }
    data = write_synthetic_npz(Path(tempfile.mkdtemp()))
    print(f"machine: {machine()}; two `train {args.preset} --epochs {args.epochs}` at once, 60,000 images")
    walls: dict[str, list[float]] = {v: [] for v in variants}
    cpu_seconds: dict[str, list[float]] = {v: [] for v in variants}
    for r in range(args.rounds):
        for name, (sets, threads) in variants.items():
            wall, cpu = pair(sets, data, args, threads)
            walls[name].append(wall)
            cpu_seconds[name].append(cpu)
            print(f"  round {r + 1}: {name}: {wall:.1f} s wall, {cpu:.1f} CPU s", file=sys.stderr, flush=True)
    for name in variants:
        print(f"{name:>24}: {median(walls[name]):6.1f} s wall  {median(cpu_seconds[name]):6.1f} CPU s")
    ratio = median(walls["sharing every CPU"]) / median(walls["pinned apart"])
    print(f"RATIO sharing/pinned {ratio:.2f} (below 1: sharing is faster)")
    ratio = median(walls["sharing, threads halved"]) / median(walls["sharing every CPU"])
    print(f"RATIO halved/sharing {ratio:.2f} (below 1: fewer threads each is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
