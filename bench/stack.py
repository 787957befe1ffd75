"""Seeds of one network in one compiled program (engine/stacked.py) against the same seeds one after another.

`mnist-tui train PRESET --repeats 8` on 60,000 synthetic images, process start to exit, stacked (the default)
and with MNIST_TUI_STACK=0, for part2-narrow (target: at most 0.3x) and part1-large (at most 0.8x). Both
commands start with an empty compile cache (MNIST_TUI_COMPILE_CACHE=off), in fresh processes, interleaved.
`--shared` adds MNIST_TUI_STACK=shared (the seeds share one batch order), reported beside, no target.

    python -m bench.stack [--rounds 1] [--epochs N] [--repeats 8] [--backend tensorflow|jax] [--shared]
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--epochs", type=int, help="override the presets' epochs (10)")
    ap.add_argument("--repeats", type=int, default=8)
    ap.add_argument("--backend", choices=["tensorflow", "jax"], default="tensorflow")
    ap.add_argument("--presets", nargs="+", default=list(TARGETS))
    ap.add_argument("--shared", action="store_true", help="also time MNIST_TUI_STACK=shared")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-stack-"))
    npz = write_synthetic_npz(tmp)
    modes = ("stacked", "one-by-one", *(["shared"] if args.shared else []))
    variants = [f"{p} {mode}" for p in args.presets for mode in modes]
    counter = iter(range(10**6))

    def run_one(variant: str) -> float:
        preset, mode = variant.split()
        store = tmp / f"runs-{next(counter)}.sqlite3"
        cmd = [PYTHON, "-m", "tui.cli", "train", preset, "--repeats", str(args.repeats), "--data", str(npz)]
        cmd += ["--store", str(store)] + (["--epochs", str(args.epochs)] if args.epochs else [])
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HOME": str(tmp / "home"),
            "KERAS_BACKEND": args.backend,
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "MNIST_TUI_COMPILE_CACHE": "off",
            "MNIST_TUI_STACK": {"stacked": "1", "one-by-one": "0", "shared": "shared"}[mode],
        }
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=7200)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"{variant} failed:\n" + "\n".join(proc.stderr.strip().splitlines()[-15:]))
        _check_store(store, args.repeats, variant)
        return seconds

    results = interleave(variants, args.rounds, run_one)
    print(f"machine: {machine()}; backend {args.backend}; {args.repeats} seeds; epochs {args.epochs or 'preset'}")
    print(f"({INTERLEAVE_NOTE}; compile cache off in both)")
    rows, missed = [], False
    for preset in args.presets:
        stacked, alone = median(results[f"{preset} stacked"]), median(results[f"{preset} one-by-one"])
        ratio = stacked / alone
        target = TARGETS.get(preset)
        rows.append([preset, f"{stacked:.1f}s", f"{alone:.1f}s", f"{ratio:.2f}x", f"<= {target}x" if target else "-"])
        if args.shared:
            shared = median(results[f"{preset} shared"])
            print(f"RATIO stack-shared-order {preset} {shared / alone:.2f}x ({shared:.1f}s; no target)")
        if target is not None and ratio > target:
            missed = True
    print(table(rows, ["preset", "stacked", "MNIST_TUI_STACK=0", "ratio", "target"]))
    for preset, _, _, ratio, target in rows:
        print(f"RATIO stack {preset} {ratio} (target {target})")
    sys.exit(1 if missed else 0)


def _check_store(path: Path, repeats: int, variant: str) -> None:
    """Both variants must have stored every seed as its own completed run, in one repeat group."""
    from engine.store import Store

    store = Store(path)
    try:
        runs = store.runs()
        groups = {r.repeat_group for r in runs}
        if len(runs) != repeats or len(groups) != 1 or any(r.status != "completed" for r in runs):
            raise SystemExit(f"{variant}: expected {repeats} completed runs in one group, got {runs}")
    finally:
        store.close()


if __name__ == "__main__":
    main()
