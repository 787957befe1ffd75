"""Seeds of one network in one compiled program (engine/stacked.py) against the same seeds one after another.

`mnist-tui train PRESET --repeats 8` on 60,000 synthetic images with the presets' own epochs, process start
to exit, with MNIST_TUI_STACK=0 (one after another), 1 (stacked, each seed its own batch order) and shared
(stacked, one order), on TensorFlow and JAX. Mode `slots` (asked for by --modes) is the other way to train
seeds together: unstacked, queued with `--detach --slots 2` and drained by the worker two at a time, timed
from queueing to the worker's exit. Targets against MNIST_TUI_STACK=0: part2-narrow at most 0.3x,
part1-large at most 0.8x (the best mode counts). Every command starts with an empty compile cache
(MNIST_TUI_COMPILE_CACHE=off), in a fresh process; modes interleave within a backend.

Two figures per command: wall seconds, and the CPU seconds of the child (user + system, from its rusage),
which the other users of a shared machine disturb far less than the wall clock.

    python -m bench.stack                      # the whole workload: about 40 min on the 2-core box
    python -m bench.stack --epochs 2 --presets part2-narrow --backends jax   # a small try
    python -m bench.stack --presets part1-large --backends tensorflow --modes one-by-one shared slots
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import INTERLEAVE_NOTE, PYTHON, ROOT, interleave, machine, median, table, write_synthetic_npz

TARGETS = {"part2-narrow": 0.3, "part1-large": 0.8}
MODES = {"one-by-one": "0", "stacked": "1", "shared": "shared", "slots": "0"}
SLOTS = 2  # the slots mode's slots: one per core of the 2-core box the targets are set on


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--epochs", type=int, help="override the presets' epochs (10)")
    ap.add_argument("--repeats", type=int, default=8)
    ap.add_argument("--backends", nargs="+", choices=["tensorflow", "jax"], default=["tensorflow", "jax"])
    ap.add_argument("--presets", nargs="+", default=list(TARGETS))
    ap.add_argument("--modes", nargs="+", choices=list(MODES), default=["one-by-one", "stacked", "shared"])
    args = ap.parse_args()
    if "one-by-one" not in args.modes:
        raise SystemExit("--modes must include one-by-one: every ratio is against it")
    tmp = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    npz = write_synthetic_npz(tmp)
    counter = iter(range(10**6))

    def run_one(variant: str) -> tuple[float, float]:
        backend, preset, mode = variant.split()
        store = tmp / f"runs-{next(counter)}.sqlite3"
        train = ["train", preset, "--repeats", str(args.repeats), "--data", str(npz)]
        train += ["--epochs", str(args.epochs)] if args.epochs else []
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HOME": str(tmp / "home"),
            "KERAS_BACKEND": backend,
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "MNIST_TUI_COMPILE_CACHE": "off",
            "MNIST_TUI_STACK": MODES[mode],
        }
        if mode == "slots":
            wall, cpu, store = run_on_slots(train, env)
        else:
            wall, cpu, rc, err = timed([PYTHON, "-m", "tui.cli", *train, "--store", str(store)], env)
            if rc != 0:
                raise SystemExit(f"{variant} failed:\n" + "\n".join(err.strip().splitlines()[-15:]))
        _check_store(store, args.repeats, variant, mode)
        print(f"    {variant}: {wall:.1f} s wall, {cpu:.1f} CPU-s", file=sys.stderr, flush=True)
        return wall, cpu

    print(f"machine: {machine()}; {args.repeats} seeds; epochs {args.epochs or 'preset'}")
    print(f"({INTERLEAVE_NOTE}; compile cache off in all)")
    missed = False
    for backend in args.backends:
        variants = [f"{backend} {p} {mode}" for p in args.presets for mode in args.modes]
        results = interleave(variants, args.rounds, run_one)
        rows = []
        for preset in args.presets:
            alone = results[f"{backend} {preset} one-by-one"]
            alone_wall, alone_cpu = median([w for w, _ in alone]), median([c for _, c in alone])
            target = TARGETS.get(preset)
            best = None
            for mode in args.modes:
                got = results[f"{backend} {preset} {mode}"]
                wall, cpu = median([w for w, _ in got]), median([c for _, c in got])
                ratio, cpu_ratio = wall / alone_wall, cpu / alone_cpu
                if mode != "one-by-one":
                    best = min(best or ratio, ratio)
                rows.append([preset, mode, f"{wall:.1f}s", f"{cpu:.1f}s", f"{ratio:.2f}x", f"{cpu_ratio:.2f}x"])
                print(f"RATIO stack {backend} {preset} {mode} wall {ratio:.2f}x cpu {cpu_ratio:.2f}x")
            if target is not None and best is not None and best > target:
                missed = True
            rows[-1].append(f"<= {target}x" if target else "-")
        print(f"\n{backend}:")
        print(
            table(
                [r + [""] * (7 - len(r)) for r in rows], ["preset", "mode", "wall", "CPU", "wall x", "CPU x", "target"]
            )
        )
    sys.exit(1 if missed else 0)


def run_on_slots(train: list[str], env: dict[str, str]) -> tuple[float, float, Path]:
    """The train command with --detach --slots SLOTS, drained by the worker: wall seconds from queueing to the
    worker's exit, CPU seconds of the worker and its slot processes, and the store it trained into."""
    from bench.worker_drain import adopt_orphans, drain

    if not adopt_orphans():
        raise SystemExit("the slots mode needs Linux's child subreaper to wait for the detached worker")
    passed = ("HOME", "KERAS_BACKEND", "MNIST_TUI_STACK", "MNIST_TUI_COMPILE_CACHE")
    done = drain([*train, "--detach", "--slots", str(SLOTS)], {name: env[name] for name in passed})
    return done.wall, done.cpu, done.store


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall seconds, the child's CPU seconds, exit status, stderr) of one command, start to exit."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        err.seek(0)
        return wall, usage.ru_utime + usage.ru_stime, proc.returncode, err.read()


def _check_store(path: Path, repeats: int, variant: str, mode: str) -> None:
    """Every mode must have stored every seed as its own completed run, in one repeat group, stacked or
    not as the mode says."""
    from engine.store import Store

    store = Store(path)
    try:
        runs = store.runs()
        groups = {r.repeat_group for r in runs}
        if len(runs) != repeats or len(groups) != 1 or any(r.status != "completed" for r in runs):
            raise SystemExit(f"{variant}: expected {repeats} completed runs in one group, got {runs}")
        stacked = {(r.extra or {}).get("stacked") for r in runs}
        if (MODES[mode] == "0") != (stacked == {None}):  # one-by-one and slots train every seed alone
            raise SystemExit(f"{variant}: the runs' stacked marks are {stacked}")
    finally:
        store.close()


if __name__ == "__main__":
    main()
