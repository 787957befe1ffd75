"""What a training process is using: its CPU share and memory (psutil) and, where an NVIDIA GPU and its
driver are present, the utilisation and memory of each GPU this process sees (nvidia-ml-py, from the
`[gpu]` extra; CUDA_VISIBLE_DEVICES decides which: a slot shows its own GPU, not the machine's). Without
a GPU, the driver or the library the GPU list is simply empty: never an error."""

from __future__ import annotations

import os
import threading

import psutil

from engine.store.records import GpuUse


class ResourceSampler:
    """Samples one process (the trainer's own by default). cpu_percent is measured between calls, so the
    first reading is 0; later ones cover the time since the previous call (100% = one full core)."""

    def __init__(self, pid: int | None = None):
        self.process = psutil.Process(pid)
        self.process.cpu_percent(None)  # start the measuring interval
        self._nvml = _Nvml()

    def sample(self) -> tuple[float | None, int | None, list[GpuUse]]:
        try:
            with self.process.oneshot():
                cpu = self.process.cpu_percent(None)
                rss = self.process.memory_info().rss
        except psutil.Error:
            cpu, rss = None, None
        return cpu, rss, self._nvml.gpus()

    def close(self) -> None:
        self._nvml.close()


class _Nvml:
    """nvidia-ml-py, initialised once; any failure (no driver, no GPU, no library) means 'no GPUs'."""

    _lock = threading.Lock()

    def __init__(self) -> None:
        self.ok = False
        try:
            import pynvml

            pynvml.nvmlInit()
            self.pynvml = pynvml
            every = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
            self.indices = visible_indices(len(every), [_text(pynvml.nvmlDeviceGetUUID(h)) for h in every])
            self.handles = [every[i] for i in self.indices]
            self.names = [_text(pynvml.nvmlDeviceGetName(h)) for h in self.handles]
            self.ok = True
        except Exception:  # ImportError, NVMLError (no driver / no device), OSError (no libnvidia-ml)
            self.handles, self.names, self.indices = [], [], []

    def gpus(self) -> list[GpuUse]:
        if not self.ok:
            return []
        out = []
        for i, handle, name in zip(self.indices, self.handles, self.names, strict=True):
            util = mem_used = mem_total = None
            try:
                util = float(self.pynvml.nvmlDeviceGetUtilizationRates(handle).gpu)
            except Exception:
                pass
            try:
                info = self.pynvml.nvmlDeviceGetMemoryInfo(handle)
                mem_used, mem_total = int(info.used), int(info.total)
            except Exception:
                pass
            out.append(GpuUse(i, name, util, mem_used, mem_total))
        return out

    def close(self) -> None:
        if self.ok:
            try:
                self.pynvml.nvmlShutdown()
            except Exception:
                pass
            self.ok = False


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def visible_indices(count: int, uuids: list[str]) -> list[int]:
    """The NVML indices of the GPUs CUDA_VISIBLE_DEVICES lets this process see (all when it is unset),
    in its order. Entries are indices or UUIDs (a prefix is enough, as for CUDA); CUDA stops at the first
    entry it cannot use, and so does this."""
    value = os.environ.get("CUDA_VISIBLE_DEVICES")
    if value is None:
        return list(range(count))
    out: list[int] = []
    for entry in (e.strip() for e in value.split(",")):
        if entry.isdigit() and int(entry) < count:
            out.append(int(entry))
        elif entry.startswith("GPU-") and (match := [i for i, u in enumerate(uuids) if u.startswith(entry)]):
            out.append(match[0])
        else:
            break
    return out


def visible_gpu_names() -> list[str]:
    nvml = _Nvml()
    try:
        return list(nvml.names)
    finally:
        nvml.close()


def visible_gpu_memory() -> list[int]:
    """Total bytes of each visible GPU."""
    return [g.memory_total_bytes or 0 for g in _visible_gpus()]


def _visible_gpus() -> list[GpuUse]:
    nvml = _Nvml()
    try:
        return nvml.gpus()
    finally:
        nvml.close()
