"""GPU-safe processes, checked without a GPU: the environment every process and slot starts with, which
GPUs a process sees (a fake NVML), the warning when NVML sees a GPU the framework does not use, and the
float precision each run records."""

from __future__ import annotations

import sys
import types

import pytest

from engine import backend, resources


class FakeNvml(types.ModuleType):
    """pynvml with two H200s and nothing else."""

    def __init__(self) -> None:
        super().__init__("pynvml")
        self.gpus = [("NVIDIA H200", "GPU-aaaa-0000"), ("NVIDIA H200", "GPU-bbbb-1111")]

    def nvmlInit(self):  # noqa: N802 - pynvml's names
        pass

    def nvmlShutdown(self):  # noqa: N802
        pass

    def nvmlDeviceGetCount(self):  # noqa: N802
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, i):  # noqa: N802
        return i

    def nvmlDeviceGetName(self, h):  # noqa: N802
        return self.gpus[h][0].encode()

    def nvmlDeviceGetUUID(self, h):  # noqa: N802
        return self.gpus[h][1]

    def nvmlDeviceGetUtilizationRates(self, h):  # noqa: N802
        return types.SimpleNamespace(gpu=50 + h)

    def nvmlDeviceGetMemoryInfo(self, h):  # noqa: N802
        return types.SimpleNamespace(used=2**30 * (h + 1), total=141 * 2**30)


@pytest.fixture
def two_gpus(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml())
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)


def test_every_process_is_gpu_safe_before_keras_is_imported():
    import os

    backend.import_keras()
    assert os.environ["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"
    assert os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"


def test_the_resource_sampler_shows_only_the_gpus_this_process_sees(two_gpus, monkeypatch):
    assert [g.index for g in resources.ResourceSampler().sample()[2]] == [0, 1]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    [gpu] = resources.ResourceSampler().sample()[2]
    assert (gpu.index, gpu.name, gpu.utilization_percent) == (1, "NVIDIA H200", 51.0)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "GPU-aaaa")
    assert [g.index for g in resources.ResourceSampler().sample()[2]] == [0]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert resources.ResourceSampler().sample()[2] == []


def test_slots_count_the_gpus_from_nvml_when_cuda_visible_devices_is_unset(two_gpus):
    from engine.worker.devices import plan_slots

    assert [p.gpu for p in plan_slots(None, cpus=[0, 1, 2, 3])] == ["0", "1"]


def test_a_gpu_the_framework_does_not_use_is_a_warning(two_gpus):
    warning = backend.gpu_mismatch_warning("CPU (2 cores)")
    assert "2 GPU(s) visible (NVIDIA H200, NVIDIA H200)" in warning and "[gpu]" in warning
    assert backend.gpu_mismatch_warning("GPU 0: NVIDIA H200") is None


def test_no_gpu_no_warning(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # the [gpu] extra is not installed
    assert backend.gpu_mismatch_warning("CPU (2 cores)") is None


def test_a_run_records_its_float_precision(monkeypatch):
    assert backend.versions()["precision"] == "float32"  # a CPU: full float32
    monkeypatch.setenv("MNIST_TUI_PRECISION", "float32")
    assert backend.full_precision_asked() and backend.float_precision() == "float32"
