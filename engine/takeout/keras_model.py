"""Saving a completed run's trained model as a plain `.keras` file, in the process that trained it.

The run trained a BlockModel (engine/block_model.py), a subclass `keras.saving.load_model` could not rebuild
without this package. So the file holds a plain functional model of the same layers (same names) with the
trained weights, compiled with the spec's optimizer and loss and an `accuracy` metric: anyone's Keras loads
it and `evaluate` gives the run's stored test accuracy. The file is written under a temporary name in the
models folder (0600) and renamed into place, so a reader never sees half a model.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

from engine.paths import APP
from engine.spec import NetworkSpec
from engine.takeout.model_files import ensure_folder, keep_models, model_file


def save_trained_model(spec: NetworkSpec, weights: list, path: os.PathLike) -> None:
    """Write spec's network with these weights to path (a `.keras` file), atomically, mode 0600."""
    from engine.backend import import_keras
    from engine.model import make_optimizer, seeded_network

    keras = import_keras()
    model = keras.Model(*seeded_network(spec, seeded=False), name="mnist_mlp")
    model.set_weights(weights)
    model.compile(optimizer=make_optimizer(spec), loss=spec.loss, metrics=["accuracy"])
    folder = os.path.dirname(os.fspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".saving-", suffix=".keras", dir=folder)  # 0600 from the start
    os.close(fd)
    try:
        keras.saving.save_model(model, tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        tmp = None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def keep_trained_model(store, trainer, spec: NetworkSpec, run_id: int) -> str | None:
    """After a run completed: keep its model beside the store when the setting allows and the trainer can
    give one. Returns the kept file, or None. A failure here never fails the run: it is reported on
    stderr (the worker's log) and the run simply has no model."""
    weights = getattr(trainer, "trained_weights", None)
    if weights is None or not keep_models(store):
        return None
    try:
        ensure_folder(store.path)
        path = model_file(store.path, run_id)
        save_trained_model(spec, weights, path)
        return str(path)
    except Exception as exc:  # a full disk, a link where the folder should be: the run itself completed
        print(f"{APP}: run {run_id}: model not kept ({exc.__class__.__name__}: {exc})", file=sys.stderr)
        return None
    finally:
        trainer.trained_weights = None
