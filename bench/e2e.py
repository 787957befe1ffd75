"""The whole exercise end to end: `mnist-tui train --all` on full-size synthetic data (60,000 + 10,000
images), process start to exit, against a plain Keras script training the same six nets
(bench/plain_all.py), on TensorFlow and on JAX; and each net's first epoch against its later ones, with
the persistent compile cache empty (cold: a first run on a new machine) and filled by that cold run
(warm: the same nets trained again in a new process).

    .venv/bin/python -m bench.e2e [--rounds 1] [--epochs N] [--variants tf-cold,jax-cold,tf-plain,...]

Every variant is a fresh process, interleaved A B C A B C ... so background load hits every variant
alike; figures are medians over rounds. Targets: train --all <= 0.2x the plain script on TensorFlow and
<= 0.15x on JAX (both against the plain TensorFlow script, as first measured; the ratio to the plain JAX
script is printed too); epoch 1 <= 2x a steady epoch cold, <= 1.3x warm.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import INTERLEAVE_NOTE, PYTHON, ROOT, interleave, machine, median, table, write_synthetic_npz
from engine.rules import PARTS

VARIANTS = {  # name -> (KERAS_BACKEND, what runs)
    "tf-cold": ("tensorflow", "cold"),
    "jax-cold": ("jax", "cold"),
    "tf-plain": ("tensorflow", "plain"),
    "tf-warm": ("tensorflow", "warm"),
    "jax-plain": ("jax", "plain"),
    "jax-warm": ("jax", "warm"),
}
DEFAULT = ",".join(VARIANTS)
TARGETS = {"tf": 0.2, "jax": 0.15}
FIRST_EPOCH_TARGETS = {"cold": 2.0, "warm": 1.3}


def run_timed(cmd: list[str], env: dict) -> tuple[float, str]:
    """Wall seconds from spawning the process to its exit, and its stdout."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed ({' '.join(cmd)}):\n{proc.stderr[-3000:]}")
    return seconds, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--epochs", type=int, help="override every preset's epochs (a quick look; not the target)")
    ap.add_argument("--variants", default=DEFAULT)
    args = ap.parse_args()
    names = args.variants.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="mnist-tui-e2e-"))
    npz = write_synthetic_npz(tmp)
    epochs = ["--epochs", str(args.epochs)] if args.epochs else []
    base_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MNIST_TUI_CONFIG": str(tmp / "config")}
    this_round = {"n": 1}
    firsts: dict[str, list[float]] = {}  # "tf-cold part2-wide" -> first epoch / steady epoch, per round
    floors: dict[str, list[float]] = {}  # variant -> seconds if every epoch of every net took its steady time

    def run_one(name: str) -> float:
        backend, kind = VARIANTS[name]
        env = {**base_env, "KERAS_BACKEND": backend}
        if kind == "plain":
            return run_timed([PYTHON, "-m", "bench.plain_all", str(npz), *epochs], env)[0]
        cache = tmp / f"cache-{backend}-{this_round['n']}"
        if kind == "cold":
            shutil.rmtree(cache, ignore_errors=True)
        elif not cache.exists():
            raise SystemExit(f"{name} needs its round's {backend} cold run first (put it earlier in --variants)")
        env["MNIST_TUI_COMPILE_CACHE"] = str(cache)
        store = tmp / f"{name}-{this_round['n']}.sqlite3"
        cmd = [PYTHON, "-m", "tui.cli", "train", "--all", "--json", "--data", str(npz), "--store", str(store)]
        seconds, out = run_timed([*cmd, *epochs], env)
        ends = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        ends = [e for e in ends if e.get("event") == "end"]
        for end, preset in zip(ends, PARTS, strict=True):  # train --all's order
            if end["status"] != "completed":
                raise SystemExit(f"{name}: {preset} {end['status']}: {end.get('error')}")
            firsts.setdefault(f"{name} {preset}", []).append(end["first_epoch_seconds"] / end["seconds_per_epoch"])
        floors.setdefault(name, []).append(sum(e["seconds_per_epoch"] * e["epochs_completed"] for e in ends))
        return seconds

    def next_round() -> None:
        this_round["n"] += 1

    print(f"end-to-end benchmark on {machine()}; {INTERLEAVE_NOTE}")
    results = interleave(names, args.rounds, run_one, between=next_round)
    shutil.rmtree(tmp, ignore_errors=True)

    rows = [[n, f"{median(results[n]):.1f}", " ".join(f"{s:.1f}" for s in results[n])] for n in names]
    print(table(rows, ["variant", "median s (process start to exit)", "each round"]))
    failed = False
    for backend, target in TARGETS.items():
        for kind in ("cold", "warm"):
            name = f"{backend}-{kind}"
            if name not in results:
                continue
            for base in dict.fromkeys(("tf-plain", f"{backend}-plain")):
                if base not in results:
                    continue
                ratio = median(results[name]) / median(results[base])
                judged = base == "tf-plain"
                ok = ratio <= target or not judged
                failed |= not ok
                verdict = (f"(target <= {target}) {'ok' if ok else 'MISSED'}") if judged else "(for reference)"
                print(f"RATIO {name} train --all / {base} = {ratio:.2f} {verdict}")
            if name in floors and "tf-plain" in results:
                floor = median(floors[name])
                print(
                    f"  its steady epochs alone (every epoch at its net's steady time, nothing else): {floor:.1f} s = "
                    f"{floor / median(results['tf-plain']):.2f}x of tf-plain; start-up, compiling and evaluating: "
                    f"{median(results[name]) - floor:.1f} s"
                )
    if firsts:
        print("first epoch / mean of the later epochs, per net (median over rounds):")
        rows = []
        for key, ratios in firsts.items():
            name, preset = key.split(" ")
            rows.append([name, preset, f"{median(ratios):.2f}x"])
        print(table(rows, ["variant", "net", "epoch 1 / steady"]))
        for name in names:
            kind = VARIANTS[name][1]
            per_net = [median(r) for k, r in firsts.items() if k.startswith(f"{name} ")]
            if kind in FIRST_EPOCH_TARGETS and per_net:
                target = FIRST_EPOCH_TARGETS[kind]
                worst, mid = max(per_net), median(per_net)
                ok = worst <= target
                failed |= not ok
                print(
                    f"RATIO {name} epoch 1 / steady: worst net {worst:.2f}, median net {mid:.2f} "
                    f"(target <= {target}) {'ok' if ok else 'MISSED'}"
                )
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
