"""The blocks of batches make exactly Keras's own SGD updates, on TensorFlow and JAX, each in a fresh process
(tests/block_equivalence_probe.py): against a stock keras.Sequential under seeds 0-5, with several optimizers,
over more than one epoch; and a canary on the Keras behaviour the block model leans on."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
from helpers import run_probe

pytestmark = pytest.mark.slow
PROBE = Path(__file__).with_name("block_equivalence_probe.py")
BACKENDS = ["tensorflow", "jax"]


probe = partial(run_probe, PROBE)  # one probe process per backend, its report shared by the tests


@pytest.mark.parametrize("backend", BACKENDS)
def test_blocks_equal_a_stock_sequential_under_seeds_0_to_5_with_sgd_momentum_and_adam(backend):
    runs = probe(backend)["seeds"]
    assert sorted(runs) == [str(seed) for seed in range(6)]
    assert {run["optimizer"] for run in runs.values()} == {"sgd", "sgd+momentum", "adam"}
    assert {seed: run["difference"] for seed, run in runs.items()} == {str(seed): 0.0 for seed in range(6)}


@pytest.mark.parametrize("backend", BACKENDS)
def test_canary_keras_still_skips_building_from_a_block_once_loss_and_metrics_are_built(backend):
    """Keras builds a model's compiled loss and metrics from the first element fit gets, unless they are
    built already (a private check in its trainer). build_training_state builds them from a plain batch, so
    fit never sees a block as a model input. A Keras release that drops or changes that check breaks every
    training: this fails first, and says where to look."""
    run = probe(backend)
    where = (
        f"Keras {run['keras']} changed how fit builds a model's loss and metrics before training (Trainer."
        "_symbolic_build); engine/block_model.py's build_training_state leans on it: review it and the keras "
        "range in pyproject.toml"
    )
    assert run["canary"]["after_build"] == "ok", f"{where}: {run['canary']['after_build']}"
    if backend == "jax":  # TensorFlow defers that build to tracing (no distribution strategy): nothing to see
        assert run["canary"]["without_build"] != "ok", f"{where}: a block trains with no build_training_state"
