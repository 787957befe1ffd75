"""Every training feature works on both Keras backends: TensorFlow and JAX each train in a
fresh process (tests/backend_probe.py), so one pytest run checks both whatever KERAS_BACKEND it runs under."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
from helpers import child_env, run_probe

pytestmark = pytest.mark.slow
PROBE = Path(__file__).with_name("backend_probe.py")
BACKENDS = [
    "tensorflow",
    pytest.param(
        "jax", marks=pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax not installed: '.[jax]'")
    ),
]


probe = partial(run_probe, PROBE)  # one probe process per backend, its report shared by the tests


@pytest.mark.parametrize("backend", BACKENDS)
def test_trains_and_names_backend_and_device(backend):
    run = probe(backend)["train"]
    assert run["status"] == "completed" and run["epochs"] == 1
    assert run["backend"] == run["versions_backend"] == backend
    assert run["device"].startswith(("CPU", "GPU", "TPU"))
    assert run["val_accuracy"] > 0.25 and run["test_accuracy"] > 0.25  # learned: chance is 0.1
    # progress counts SGD steps (not blocks of them) and ends at the epoch's last step
    assert run["steps"][-1] == run["steps_per_epoch"] == 38  # 300 examples in batches of 8
    assert run["steps"] == sorted(run["steps"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradient_probe_is_finite_and_positive_for_every_layer(backend):
    grads = probe(backend)["train"]["gradients"]
    assert len(grads) == 3  # two hidden layers and the output layer
    assert all(math.isfinite(g) and g > 0 for g in grads), grads


@pytest.mark.parametrize("backend", BACKENDS)
def test_cancel_stops_within_the_first_epoch(backend):
    run = probe(backend)["cancel"]
    assert run["status"] == "cancelled" and run["epochs_completed"] == 0
    assert run["progress_steps"][-1] < run["steps_per_epoch"]  # stopped after one block, not at the epoch's end


@pytest.mark.parametrize("backend", BACKENDS)
def test_blown_up_relu_is_diverged(backend):
    run = probe(backend)["diverge"]
    assert run["status"] == "diverged", run


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_next_network_of_a_queue_compiles_meanwhile_and_trains_exactly_as_alone(backend):
    """engine/warm_up.py: while the first run trains, the second network is built and compiled in a
    thread; neither run's numbers move (the thread must not touch the random state the first one shuffles
    with, and the second starts from its own seed's weights and a fresh optimizer)."""
    run = probe(backend)["warm_up"]
    assert run["error"] is None and run["warmed"] == ["second"], run
    assert run["first_same"] and run["second_same"], run
    # the warm-up fed the second network's training program the run's exact shapes: it was not traced again
    assert run["traced_by_second"] == 0 and run["traced"] > 0, run


@pytest.mark.parametrize("backend", BACKENDS)
def test_compile_cache_persists_compiled_programs_where_asked(backend, tmp_path):
    """The persistent XLA cache (off in the other tests) writes under MNIST_TUI_COMPILE_CACHE/<backend>."""
    script = (
        "from backend_probe import splits, train\n"
        "from engine.spec import make_spec\n"
        "result, _ = train(make_spec(name='c', hidden_layers=[8], epochs=1), splits(100))\n"
        "print(result.status)\n"
    )
    env = child_env({**os.environ, "KERAS_BACKEND": backend, "MNIST_TUI_COMPILE_CACHE": str(tmp_path / "cache")})
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600, cwd=PROBE.parents[1]
    )
    assert proc.returncode == 0 and proc.stdout.split()[-1] == "completed", proc.stderr[-3000:]
    folder = tmp_path / "cache" / backend
    written = [p for p in folder.rglob("*") if p.is_file()]
    assert written, f"nothing cached under {folder}"
    if backend == "tensorflow":  # entries moved in whole from the process's staging folder, which is gone
        assert all(p.parent == folder for p in written), written
        assert not [p for p in folder.iterdir() if p.is_dir()]


@pytest.mark.parametrize(
    ("variable", "key"), [("MNIST_TUI_STATIC_LOOP", "static"), ("MNIST_TUI_DEVICE_DATA", "device_data")]
)
def test_the_gpu_block_loop_trains_exactly_as_the_cpu_one(variable, key):
    """On a GPU the JAX block loop runs a static number of steps (padding dropped), and its blocks are
    gathered on the device from a training set placed there once; here each is forced on and off on the
    CPU and must report the same numbers bit for bit."""
    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax not installed: '.[jax]'")
    reports = {}
    for flag in ("0", "1"):
        env = {**os.environ, "KERAS_BACKEND": "jax", variable: flag, "TF_CPP_MIN_LOG_LEVEL": "3"}
        proc = subprocess.run(
            [sys.executable, str(PROBE), "block-loop"], env=env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        reports[flag] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (reports["0"][key], reports["1"][key]) == (False, True)
    assert reports["0"]["numbers"] == reports["1"]["numbers"]
