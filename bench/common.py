"""Shared by the bench scripts: synthetic MNIST-shaped data, running variants in fresh processes
interleaved (A B C A B C ...) so background load hits every variant alike, medians, and the machine's
peak GEMM rate for the arithmetic limit."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
N_TRAIN, N_TEST = 60_000, 10_000  # MNIST's sizes; validation is the last 10,000 of the 60,000
INTERLEAVE_NOTE = (
    "variants run in fresh processes, interleaved A B C A B C ...; figures are medians, so background load "
    "(this machine is shared) hits every variant alike"
)


def synthetic_raw(seed: int = 0) -> dict[str, np.ndarray]:
    """Random images and labels of MNIST's shape and dtype: the arithmetic of an epoch is the same."""
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (N_TRAIN, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, N_TRAIN).astype(np.uint8),
        "x_test": rng.integers(0, 256, (N_TEST, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, N_TEST).astype(np.uint8),
    }


def write_synthetic_npz(folder: Path) -> Path:
    path = Path(folder) / "mnist-synthetic.npz"
    np.savez(path, **synthetic_raw())
    return path


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()}"


def run_json(args: list[str], env: dict[str, str] | None = None, timeout: float = 900) -> dict:
    """Run a worker process; its last stdout line is a JSON object."""
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    proc = subprocess.run(args, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"bench worker failed ({' '.join(args)}):\n{tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def interleave(variants: list[str], rounds: int, run_one, between=None) -> dict[str, list]:
    """run_one(variant) -> result, for every variant in every round, in order A B C A B C ...
    between() runs after each round (e.g. a GEMM measurement, interleaved the same way)."""
    results: dict[str, list] = {v: [] for v in variants}
    for r in range(rounds):
        for v in variants:
            t0 = time.perf_counter()
            results[v].append(run_one(v))
            print(f"  round {r + 1}/{rounds}  {v:<14} {time.perf_counter() - t0:6.1f}s", file=sys.stderr, flush=True)
        if between:
            between()
    return results


def median(xs) -> float:
    return statistics.median(xs)


def peak_gemm_gflops(n: int = 2048, repeats: int = 5) -> float:
    """Best rate of an n x n float32 matmul (numpy's BLAS, all cores): what the machine can do."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * n**3 / best / 1e9


def epoch_gflop(layer_sizes: list[int], n_train: int, n_val: int) -> float:
    """Dense-layer FLOPs of one epoch: a multiply-add is 2 FLOPs; training costs 3x the forward pass
    (forward, gradient wrt inputs, gradient wrt weights), validation 1x. Biases and activations are
    ignored (under 1%)."""
    macs = sum(a * b for a, b in zip(layer_sizes, layer_sizes[1:], strict=False))
    return (6 * macs * n_train + 2 * macs * n_val) / 1e9


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*map(str, row)) for row in rows]
    return "\n".join(lines)
