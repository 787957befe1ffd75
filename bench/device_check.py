"""The GPU path, measured on a machine with an NVIDIA GPU (under 9 minutes on one GPU): run it wherever a
GPU is at hand, as one script (`python -m bench.device_check`), and keep its output.

1. the device seen: NVML's GPUs, what TensorFlow and JAX see, the float precision a run records;
2. epoch seconds on the GPU vs the CPU for part1-large and part2-wide (60,000 synthetic digits);
3. 1, 4 and 8 slots on one GPU: eight queued jobs of part2-wide, aggregate epochs per second and the GPU
   memory of each slot's process (NVML), which must stay a share, never the whole GPU;
4. the block loop with a static vs a data-dependent step count (microseconds per SGD step, JAX);
5. the compile cache cold vs warm (epoch 1 of a new process);
6. the largest weight difference of one epoch trained on the GPU against the same epoch on the CPU, with
   TF32 on and with MNIST_TUI_PRECISION=float32.

Without a GPU it says so and runs sections 1, 4 and 6 on the CPU alone (`--quick`: tiny sizes), so the
script itself is checked here. Each section prints its figures; failures of one section do not stop the rest.
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

from bench.common import PYTHON, ROOT, write_synthetic_npz

SECTION = "=" * 8


def say(text: str = "") -> None:
    print(text, flush=True)


def cli(args: list[str], env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    full = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    return subprocess.run(
        [PYTHON, "-m", "tui.cli", *args], cwd=ROOT, env=full, capture_output=True, text=True, timeout=timeout
    )


def epochs_of(out: str) -> list[dict]:
    return [e for e in map(json.loads, filter(None, out.splitlines())) if e.get("event") == "epoch"]


def nvml_gpus() -> list[str]:
    try:
        import pynvml

        pynvml.nvmlInit()
        names = [
            pynvml.nvmlDeviceGetName(pynvml.nvmlDeviceGetHandleByIndex(i)) for i in range(pynvml.nvmlDeviceGetCount())
        ]
        return [n.decode() if isinstance(n, bytes) else str(n) for n in names]
    except Exception:
        return []


def gpu_process_memory() -> dict[int, int]:
    """pid -> bytes of GPU memory, for every process on every GPU (NVML)."""
    import pynvml

    pynvml.nvmlInit()
    out: dict[int, int] = {}
    for i in range(pynvml.nvmlDeviceGetCount()):
        handle = pynvml.nvmlDeviceGetHandleByIndex(i)
        for proc in pynvml.nvmlDeviceGetComputeRunningProcesses(handle):
            out[proc.pid] = out.get(proc.pid, 0) + (proc.usedGpuMemory or 0)
    return out


# -- 1 --------------------------------------------------------------------------------------------------
PROBE = """
import json, os
from engine import backend
out = {"backend": backend.backend_name(), "device": backend.device_name(), "precision": backend.float_precision()}
out["warning"] = backend.gpu_mismatch_warning(out["device"])
print(json.dumps(out))
"""


def device_seen() -> None:
    say(f"{SECTION} 1. device seen")
    say(f"NVML: {nvml_gpus() or 'no NVIDIA GPU'}; CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')}")
    for backend in ("tensorflow", "jax"):
        proc = subprocess.run(
            [PYTHON, "-c", PROBE],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        say(f"  {backend}: {proc.stdout.strip() or proc.stderr.strip().splitlines()[-1:]}")


# -- 2 --------------------------------------------------------------------------------------------------
def gpu_vs_cpu(data: Path, epochs: int) -> None:
    say(f"{SECTION} 2. epoch seconds, GPU vs CPU (steady epochs: the first one compiles)")
    for preset in ("part1-large", "part2-wide"):
        row = {}
        for where, env in (("gpu", {}), ("cpu", {"CUDA_VISIBLE_DEVICES": ""})):
            proc = cli(
                [
                    "train",
                    preset,
                    "--epochs",
                    str(epochs),
                    "--json",
                    "--data",
                    str(data),
                    "--store",
                    str(Path(tempfile.mkdtemp()) / "runs.sqlite3"),
                ],
                env,
            )
            seconds = [e["seconds"] for e in epochs_of(proc.stdout)][1:]
            row[where] = sorted(seconds)[len(seconds) // 2] if seconds else float("nan")
        say(f"  {preset}: GPU {row['gpu']:.2f} s, CPU {row['cpu']:.2f} s, GPU/CPU {row['gpu'] / row['cpu']:.2f}x")


# -- 3 --------------------------------------------------------------------------------------------------
def slots_on_one_gpu(data: Path, epochs: int, counts=(1, 4, 8)) -> None:
    say(f"{SECTION} 3. slots on one GPU: 8 jobs of part2-wide, {epochs} epochs each")
    for n in counts:
        store = Path(tempfile.mkdtemp()) / "runs.sqlite3"
        env = {"CUDA_VISIBLE_DEVICES": "0", "XDG_STATE_HOME": str(store.parent / "state")}
        t0 = time.perf_counter()
        proc = cli(
            [
                "queue",
                "part2-wide",
                "--repeats",
                "8",
                "--epochs",
                str(epochs),
                "--data",
                str(data),
                "--store",
                str(store),
                "--slots",
                str(n),
            ],
            env,
        )
        if proc.returncode:
            say(f"  {n} slot(s): queue failed: {proc.stderr.strip()}")
            continue
        peak: dict[int, int] = {}
        while True:
            try:
                for pid, used in gpu_process_memory().items():
                    peak[pid] = max(peak.get(pid, 0), used)
            except Exception:
                pass
            listing = cli(["queue", "--json", "--store", str(store)], env)
            if listing.returncode == 0 and json.loads(listing.stdout or "[]") == []:
                break
            time.sleep(1)
        wall = time.perf_counter() - t0
        mem = ", ".join(f"{v / 2**30:.2f}" for v in sorted(peak.values())) or "n/a"
        say(f"  {n} slot(s): {wall:.1f} s wall, {8 * epochs / wall:.2f} epochs/s; GPU GiB per process: {mem}")


# -- 4 --------------------------------------------------------------------------------------------------
def static_vs_dynamic_loop(steps: int) -> None:
    say(f"{SECTION} 4. block loop: static vs data-dependent step count (JAX, microseconds per step)")
    import jax
    import jax.numpy as jnp

    w = jnp.ones((784, 256), jnp.float32) * 0.01
    x = jnp.ones((64, 128, 784), jnp.float32)

    def step(w, xb):
        return w - 1e-3 * xb.T @ jnp.tanh(xb @ w)

    @jax.jit
    def dynamic(w, x, n):
        return jax.lax.while_loop(lambda c: c[0] < n, lambda c: (c[0] + 1, step(c[1], x[c[0]])), (0, w))[1]

    @jax.jit
    def static(w, x, n):
        return jax.lax.fori_loop(0, x.shape[0], lambda i, w: jnp.where(i < n, step(w, x[i]), w), w)

    for name, fn in (("data-dependent", dynamic), ("static", static)):
        fn(w, x, 64).block_until_ready()
        t0 = time.perf_counter()
        for _ in range(steps // 64):
            out = fn(w, x, 64)
        out.block_until_ready()
        say(f"  {name}: {(time.perf_counter() - t0) / (steps // 64 * 64) * 1e6:.1f} us/step on {jax.devices()[0]}")


# -- 5 --------------------------------------------------------------------------------------------------
def compile_cache(data: Path) -> None:
    say(f"{SECTION} 5. compile cache: epoch 1 of a new process, cold vs warm")
    cache = Path(tempfile.mkdtemp()) / "cache"
    for state in ("cold", "warm"):
        proc = cli(
            [
                "train",
                "part2-wide",
                "--epochs",
                "2",
                "--json",
                "--data",
                str(data),
                "--store",
                str(Path(tempfile.mkdtemp()) / "runs.sqlite3"),
            ],
            {"MNIST_TUI_COMPILE_CACHE": str(cache)},
        )
        e = epochs_of(proc.stdout)
        say(
            f"  {state}: epoch 1 {e[0]['seconds']:.2f} s, epoch 2 {e[1]['seconds']:.2f} s"
            if len(e) > 1
            else f"  {state}: failed"
        )


# -- 6 --------------------------------------------------------------------------------------------------
WEIGHTS = """
import json, sys, numpy as np
from engine.backend import import_keras
from engine.data import load_splits
from engine.model import build_model
from engine.presets import find_preset
keras = import_keras()
spec = find_preset("part1-small").spec
splits = load_splits(sys.argv[1], spec.validation_fraction, int(sys.argv[3]))
keras.utils.set_random_seed(spec.seed)
model = build_model(spec)
model.fit(splits.x_train, splits.y_train, batch_size=spec.batch_size, epochs=1, shuffle=False, verbose=0)
np.savez(sys.argv[2], *[w.numpy() if hasattr(w, "numpy") else np.asarray(w) for w in model.weights])
"""


def weights_vs_cpu(data: Path, n: int, gpu: bool) -> None:
    say(f"{SECTION} 6. largest weight difference after one epoch, {'GPU' if gpu else 'CPU'} vs CPU (part1-small)")
    folder = Path(tempfile.mkdtemp())

    def weights(name: str, env: dict[str, str]):
        import numpy as np

        out = folder / f"{name}.npz"
        subprocess.run(
            [PYTHON, "-c", WEIGHTS, str(data), str(out), str(n)],
            cwd=ROOT,
            check=True,
            timeout=600,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
        )
        with np.load(out) as f:
            return [f[k] for k in f.files]

    cpu = weights("cpu", {"CUDA_VISIBLE_DEVICES": ""})
    for label, env in (
        ("default (TF32 where the GPU has it)", {}),
        ("MNIST_TUI_PRECISION=float32", {"MNIST_TUI_PRECISION": "float32"}),
    ):
        other = weights(label[:7], env)
        diff = max(float(abs(a - b).max()) for a, b in zip(cpu, other, strict=True))
        say(f"  {label}: {diff:.3g}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check the script, not the GPU")
    args = parser.parse_args()
    gpus = nvml_gpus()
    say(f"mnist-tui device check: {gpus or 'no NVIDIA GPU visible (NVML): the GPU sections are skipped'}")
    data = write_synthetic_npz(Path(tempfile.mkdtemp()))
    sections = [device_seen, lambda: static_vs_dynamic_loop(640 if args.quick else 64_000)]
    if gpus and not args.quick:
        sections += [lambda: gpu_vs_cpu(data, 4), lambda: slots_on_one_gpu(data, 2), lambda: compile_cache(data)]
    sections.append(lambda: weights_vs_cpu(data, 2000 if args.quick else 50_000, bool(gpus)))
    failed = 0
    for section in sections:
        t0 = time.perf_counter()
        try:
            section()
        except Exception as exc:  # one broken section must not cost the others' minutes
            failed += 1
            say(f"  section failed: {exc.__class__.__name__}: {exc}")
        say(f"  ({time.perf_counter() - t0:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
