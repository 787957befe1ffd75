"""Which device and which CPUs each slot of a worker gets. Without a GPU a box has one slot by default (a
second run on the same cores mostly steals the first one's time); with GPUs, one slot per visible GPU.

A GPU slot is pinned to its share of the CPUs this process may use (its thread pools size themselves from
that affinity, so eight slots on a 16-core box do not each start 16 threads), sees only its GPU
(CUDA_VISIBLE_DEVICES), and never takes a whole GPU's memory: TensorFlow grows its memory as needed, JAX
does not preallocate, and slots that share a GPU each get a share of it.

CPU slots are not split: each may use every CPU, and the kernel shares them. A TensorFlow process pinned
to a single core idles part of its wall time, and a pinned slot cannot borrow the core another leaves
unused. On a 2-core box two part3 trainings at once took 26.6 s pinned one core each and 23.7 s sharing
both (bench/slot_cpus.py), and the whole exercise with repeats on 2 slots went from 0.92x to 0.79x of the
wall time of 1 slot (bench/slots.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from engine.paths import GPU_MEMORY_ENV

GPU_MEMORY_HEADROOM = 0.9  # of a GPU's memory, the part its slots share (the driver and others keep the rest)


@dataclass(frozen=True)
class SlotPlan:
    index: int
    gpu: str | None  # its CUDA_VISIBLE_DEVICES entry; None: no GPU
    cpus: tuple[int, ...]  # the CPUs it is pinned to
    gpu_memory_share: float | None = None  # of its GPU's memory, when slots share a GPU

    def env(self) -> dict[str, str]:
        """The environment a slot's process starts with (before any framework is imported)."""
        env = {
            "CUDA_VISIBLE_DEVICES": self.gpu if self.gpu is not None else "",
            "TF_FORCE_GPU_ALLOW_GROWTH": "true",
            "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
            "MNIST_TUI_SLOT": str(self.index),
        }
        if self.gpu_memory_share is not None:
            env["XLA_PYTHON_CLIENT_MEM_FRACTION"] = f"{self.gpu_memory_share:.3f}"
            env[GPU_MEMORY_ENV] = f"{self.gpu_memory_share:.3f}"
        return env

    def describe(self) -> str:
        device = f"GPU {self.gpu}" if self.gpu is not None else "CPU"
        return f"slot {self.index}: {device}, CPUs {','.join(map(str, self.cpus))}"


def visible_gpus() -> list[str]:
    """The GPUs this process may use, as CUDA_VISIBLE_DEVICES entries (indices or UUIDs)."""
    value = os.environ.get("CUDA_VISIBLE_DEVICES")
    if value is not None:
        entries = [v.strip() for v in value.split(",") if v.strip()]
        # CUDA stops at the first invalid entry; "-1" is the usual way to hide every GPU
        out = []
        for entry in entries:
            if entry.startswith("-"):
                break
            out.append(entry)
        return out
    return [str(i) for i in range(nvml_gpu_count())]


def nvml_gpu_count() -> int:
    try:
        import pynvml

        pynvml.nvmlInit()
        try:
            return int(pynvml.nvmlDeviceGetCount())
        finally:
            pynvml.nvmlShutdown()
    except Exception:  # no nvidia-ml-py, no driver, no device
        return 0


def usable_cpus() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return list(range(os.cpu_count() or 1))


def default_slots(gpus: list[str] | None = None) -> int:
    gpus = visible_gpus() if gpus is None else gpus
    return max(1, len(gpus))


def plan_slots(
    slots: int | None = None, gpus: list[str] | None = None, cpus: list[int] | None = None
) -> list[SlotPlan]:
    """`slots` plans (default: one per GPU, else 1): GPUs dealt round-robin; a GPU slot's CPUs are an equal
    run of them (slots outnumbering CPUs share them round-robin); CPU slots all share every CPU."""
    gpus = visible_gpus() if gpus is None else gpus
    cpus = usable_cpus() if cpus is None else cpus
    n = slots or default_slots(gpus)
    per_gpu = {g: sum(1 for i in range(n) if gpus[i % len(gpus)] == g) for g in gpus} if gpus else {}
    plans = []
    for i in range(n):
        gpu = gpus[i % len(gpus)] if gpus else None
        if gpu is None:
            mine = cpus  # CPU slots share every CPU (why: the module's docstring)
        elif n <= len(cpus):
            size = len(cpus) // n
            mine = cpus[i * size : (i + 1) * size] if i < n - 1 else cpus[i * size :]
        else:
            mine = [cpus[i % len(cpus)]]
        share = round(GPU_MEMORY_HEADROOM / per_gpu[gpu], 3) if gpu is not None and per_gpu[gpu] > 1 else None
        plans.append(SlotPlan(i, gpu, tuple(mine), share))
    return plans
