"""Epoch 1 against a steady epoch for one network, in the three situations a user meets: a cold start
(empty compile cache, new process), the same network trained again in the same process (a repeat, a
queue), and again in a new process (the persistent compile cache warm). On TensorFlow and JAX,
full-size synthetic data (50,000 train + 10,000 validation).

    .venv/bin/python -m bench.first_epoch [--rounds 3] [--preset part2-wide] [--epochs 4]

Each round runs, per backend, `mnist-tui train PRESET --repeats 2` twice in fresh processes sharing one
fresh cache folder: process 1's first run is the cold start, each process's second run the in-process
repeat, process 2's first run the new process. Backends interleave; figures are medians over rounds.
Targets: cold <= 2x, repeat and new process <= 1.3x.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

from bench.common import INTERLEAVE_NOTE, PYTHON, interleave, machine, median, table, write_synthetic_npz
from bench.e2e import run_timed

TARGETS = {"cold start": 2.0, "repeat, same process": 1.3, "new process": 1.3}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--preset", default="part2-wide")
    ap.add_argument("--epochs", type=int, default=4)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mnist-tui-first-"))
    npz = write_synthetic_npz(tmp)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MNIST_TUI_CONFIG": str(tmp / "config")}
    round_of = {"tensorflow": 0, "jax": 0}

    def train_twice(backend: str) -> list[tuple[float, float]]:
        """(epoch 1, steady) of each run: process 1 run 1, run 2; process 2 run 1, run 2."""
        round_of[backend] += 1
        cache = tmp / f"cache-{backend}-{round_of[backend]}"
        shutil.rmtree(cache, ignore_errors=True)
        penv = {**env, "KERAS_BACKEND": backend, "MNIST_TUI_COMPILE_CACHE": str(cache)}
        store = tmp / f"{backend}-{round_of[backend]}.sqlite3"
        cmd = [PYTHON, "-m", "tui.cli", "train", args.preset, "--repeats", "2", "--epochs", str(args.epochs)]
        cmd += ["--json", "--data", str(npz), "--store", str(store)]
        runs = []
        for _ in range(2):
            out = run_timed(cmd, penv)[1]
            ends = [json.loads(x) for x in out.splitlines() if x.startswith("{") and '"event": "end"' in x]
            runs += [(e["first_epoch_seconds"], e["seconds_per_epoch"]) for e in ends]
        return runs

    print(f"first-epoch benchmark, {args.preset}, {args.epochs} epochs per run, on {machine()}; {INTERLEAVE_NOTE}")
    results = interleave(["tensorflow", "jax"], args.rounds, train_twice)
    shutil.rmtree(tmp, ignore_errors=True)
    rows, failed = [], False
    situations = {"cold start": [0], "repeat, same process": [1, 3], "new process": [2]}
    for backend, rounds in results.items():
        steady = median([s for runs in rounds for _, s in runs])
        for situation, which in situations.items():
            ratios = [runs[i][0] / runs[i][1] for runs in rounds for i in which]
            firsts = [runs[i][0] for runs in rounds for i in which]
            ratio = median(ratios)
            ok = ratio <= TARGETS[situation]
            failed |= not ok
            rows.append([backend, situation, f"{median(firsts):.2f}", f"{steady:.2f}", f"{ratio:.2f}x"])
            print(
                f"RATIO {backend} epoch 1 / steady, {situation} = {ratio:.2f} "
                f"(target <= {TARGETS[situation]}) {'ok' if ok else 'MISSED'}"
            )
    print(table(rows, ["backend", "situation", "epoch 1 s", "steady s", "epoch 1 / steady"]))
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
