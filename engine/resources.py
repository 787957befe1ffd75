"""What a training process is using: its CPU share and memory (psutil) and, where an NVIDIA GPU and its
driver are present, each GPU's utilisation and memory (nvidia-ml-py). Without a GPU or without the driver
the GPU list is simply empty: never an error."""

from __future__ import annotations

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
            self.handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
            self.names = [_text(pynvml.nvmlDeviceGetName(h)) for h in self.handles]
            self.ok = True
        except Exception:  # ImportError, NVMLError (no driver / no device), OSError (no libnvidia-ml)
            self.handles, self.names = [], []

    def gpus(self) -> list[GpuUse]:
        if not self.ok:
            return []
        out = []
        for i, (handle, name) in enumerate(zip(self.handles, self.names, strict=True)):
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
