"""Several runs at once: the whole exercise with repeats (`queue --all --repeats R`) through the worker with
`--slots 2` against `--slots 1`, on the same data, in fresh stores, interleaved. Target: 2 slots take at
most 0.7x the wall time of 1 on a 2-core box.

By default the issue's own workload: each preset's own epochs on full-size data (60,000 synthetic images of
MNIST's shape), three repeats (about ten minutes for one slot on a quiet 2-core box). `--epochs`/`--subset`
shrink it for a quick try.

Besides wall seconds (queueing to the worker's exit) it prints the CPU seconds of the worker and all its
processes (the worker is adopted as this process's child, and its rusage, which holds its slots', read when
it exits): on a box shared with others, wall time swings with their load, while the same work costs about
the same CPU seconds in either mode, so a mode that does more work shows there. How a drain is run and
waited for: bench/worker_drain.py. Also prints each run's test accuracy under both, so the answers are seen
to rest on the same runs' numbers, and with `--timeline` each run's slot, start and end.

    python -m bench.slots [--repeats 3] [--epochs N] [--subset N] [--rounds 1] [--slots 1 2] [--timeline]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from bench.common import machine, median, write_synthetic_npz
from bench.worker_drain import adopt_orphans, drain

TARGET = 0.7


def drain_slots(slots: int, data: Path, args) -> tuple[float, float, dict]:
    shrink = [
        *(["--epochs", str(args.epochs)] if args.epochs else []),
        *(["--subset", str(args.subset)] if args.subset else []),
    ]
    command = ["queue", "--all", "--repeats", str(args.repeats), *shrink, "--data", str(data), "--slots", str(slots)]
    d = drain(command)
    if args.timeline:
        print_timeline(slots, d.runs, d.started)
    if len(d.runs) != 6 * args.repeats or any(r["status"] != "completed" for r in d.runs):
        raise SystemExit(f"{slots} slot(s): not every run completed: {[r['status'] for r in d.runs]} ({d.folder})")
    return d.wall, d.cpu, {(r["preset"], r["spec"]["seed"]): r["test_accuracy"] for r in d.runs}


def print_timeline(slots: int, runs: list[dict], t0: float) -> None:
    """Each run's slot, start and end in seconds from queueing: where a slot sat idle shows as a gap."""
    print(f"  timeline, {slots} slot(s) (seconds from queueing):", file=sys.stderr)
    for r in sorted(runs, key=lambda r: (r["slot"] or 0, r["started_at"] or "")):
        start = datetime.fromisoformat(r["started_at"]).timestamp() - t0
        end = datetime.fromisoformat(r["finished_at"]).timestamp() - t0 if r["finished_at"] else float("nan")
        print(
            f"    slot {r['slot']}  {start:6.1f} -> {end:6.1f}  {r['preset']} seed {r['spec']['seed']}", file=sys.stderr
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, help="override every preset's epochs (default: their own)")
    parser.add_argument("--subset", type=int, help="train on the first N images (default: all 60,000)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--slots", type=int, nargs="+", default=[1, 2], help="slot counts to drain (default: 1 2)")
    parser.add_argument("--timeline", action="store_true", help="print each run's slot, start and end")
    args = parser.parse_args()
    if not adopt_orphans():
        raise SystemExit("bench.slots needs Linux (prctl PR_SET_CHILD_SUBREAPER) to wait for the worker")
    data = write_synthetic_npz(Path(tempfile.mkdtemp()))
    epochs = f"{args.epochs} epochs" if args.epochs else "each preset's own epochs"
    images = f"{args.subset} images" if args.subset else "60,000 images"
    print(f"machine: {machine()}; train --all --repeats {args.repeats}, {epochs}, {images}")
    walls: dict[int, list[float]] = {n: [] for n in args.slots}
    cpus: dict[int, list[float]] = {n: [] for n in args.slots}
    accuracies: dict[int, dict] = {}
    for r in range(args.rounds):
        for slots in args.slots:
            wall, cpu, accuracies[slots] = drain_slots(slots, data, args)
            walls[slots].append(wall)
            cpus[slots].append(cpu)
            load = os.getloadavg()[0]
            print(
                f"  round {r + 1}: {slots} slot(s) {wall:.1f} s wall, {cpu:.1f} CPU s (load {load:.1f})",
                file=sys.stderr,
                flush=True,
            )
    if not (walls.get(1) and walls.get(2)):
        return 0  # a single mode drained (for its timeline): no ratio to give
    one, two = median(walls[1]), median(walls[2])
    cpu_one, cpu_two = median(cpus[1]), median(cpus[2])
    same = accuracies[1].keys() == accuracies[2].keys()
    diff = max(abs((accuracies[1][k] or 0) - (accuracies[2][k] or 0)) for k in accuracies[1]) if same else None
    print(f"1 slot:  {one:7.1f} s wall  {cpu_one:7.1f} CPU s")
    print(f"2 slots: {two:7.1f} s wall  {cpu_two:7.1f} CPU s")
    print(f"same runs under both: {same}; largest test-accuracy difference between them: {diff}")
    print(f"CPU seconds slots2/slots1 {cpu_two / cpu_one:.2f} (the same work: about 1)")
    ratio = two / one
    print(f"RATIO slots2/slots1 {ratio:.2f} (target <= {TARGET})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
