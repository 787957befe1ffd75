"""Epoch time of part1-large (784-384-10, sigmoid, SGD lr 0.1, batch 32) on 60,000 synthetic MNIST-shaped
images (50,000 train + 10,000 validation): mnist-tui vs a plain Keras `model.fit`, on TensorFlow and JAX,
and against the arithmetic limit (the epoch's FLOPs at the machine's peak GEMM rate, measured here).

    .venv/bin/python -m bench.epoch [--rounds 3] [--epochs 4] [--variants tf-plain,tf-engine,jax-engine,...]

Every variant runs in its own process (one backend per process); the first epoch of each process is
compilation and is left out. Targets: tf-engine <= 0.5x tf-plain, jax-engine <= 0.3x tf-plain.
"""

from __future__ import annotations

import argparse

from bench.common import (
    INTERLEAVE_NOTE,
    N_TEST,
    N_TRAIN,
    PYTHON,
    epoch_gflop,
    interleave,
    machine,
    median,
    peak_gemm_gflops,
    run_json,
    table,
)

VARIANTS = {  # name -> (KERAS_BACKEND, worker variant)
    "tf-plain": ("tensorflow", "plain"),
    "tf-spe64": ("tensorflow", "spe64"),
    "tf-engine": ("tensorflow", "engine"),
    "jax-plain": ("jax", "plain"),
    "jax-engine": ("jax", "engine"),
}
DEFAULT = "tf-plain,tf-spe64,tf-engine,jax-plain,jax-engine"
TARGETS = {"tf-engine": 0.5, "jax-engine": 0.3}
LAYERS = [784, 384, 10]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=4, help="per process; the first is compilation, not counted")
    ap.add_argument("--variants", default=DEFAULT)
    args = ap.parse_args()
    names = args.variants.split(",")
    if "tf-plain" not in names:
        ap.error("tf-plain is the baseline every ratio is taken against")

    def run_one(name: str) -> list[float]:
        backend, variant = VARIANTS[name]
        out = run_json([PYTHON, "-m", "bench.epoch_worker", variant, str(args.epochs)], {"KERAS_BACKEND": backend})
        return out["seconds"][1:]  # steady state: the first epoch traces and compiles

    peaks: list[float] = []
    print(f"epoch benchmark on {machine()}; {INTERLEAVE_NOTE}")
    results = interleave(names, args.rounds, run_one, between=lambda: peaks.append(peak_gemm_gflops()))

    peak = max(peaks)
    gflop = epoch_gflop(LAYERS, N_TRAIN - N_TEST, N_TEST)
    limit = gflop / peak
    base = median([s for run in results["tf-plain"] for s in run])
    rows = []
    for name in names:
        epochs = [s for run in results[name] for s in run]
        med = median(epochs)
        rows.append(
            [
                name,
                f"{med:.3f}",
                f"{min(epochs):.3f}",
                len(epochs),
                f"{med / base:.2f}x",
                f"{med / limit:.2f}x",
                f"{gflop / med:.0f}",
            ]
        )
    header = ["variant", "median s/epoch", "best", "epochs", "vs tf-plain", "vs limit", "GFLOP/s"]
    print(table(rows, header))
    print(
        f"arithmetic limit: {gflop:.1f} GFLOP per epoch (50,000 trained + 10,000 validated) / peak GEMM "
        f"{peak:.0f} GFLOP/s (numpy float32 2048x2048 matmul, best of {len(peaks)} rounds) = {limit:.3f} s"
    )
    failed = False
    for name, target in TARGETS.items():
        if name in results:
            ratio = median([s for run in results[name] for s in run]) / base
            ok = ratio <= target
            failed |= not ok
            print(f"RATIO {name} / tf-plain = {ratio:.2f} (target <= {target}) {'ok' if ok else 'MISSED'}")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
