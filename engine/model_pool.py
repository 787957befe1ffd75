"""Compiled models kept for reuse within one process. A network trained again with the same layers and
optimizer settings (a repeat under another seed, a control, a queued re-run) takes the model whose
training, validation and prediction programs are already traced and compiled: its weights are set to
what a fresh build under the new seed draws, its optimizer state to a fresh optimizer's. The arithmetic
is a fresh model's (tested bit for bit); only tracing and compiling, seconds per network, are skipped.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

from engine.spec import RUN_ONLY_FIELDS, NetworkSpec

POOL_SIZE = 4  # models kept: a few MB each for these nets


@dataclass
class PooledModel:
    model: object  # an engine.block_model.BlockModel, compiled
    fresh_optimizer_state: list  # the optimizer variables' values before any training


_pool: OrderedDict[str, PooledModel] = OrderedDict()
_lock = threading.Lock()


def program_key(spec_json: dict) -> str:
    """What decides a network's compiled programs, from its stored spec: two jobs with one key reuse one
    compiled model in a process (the worker gives such jobs to the slot that has it)."""
    return json.dumps({k: v for k, v in spec_json.items() if k not in RUN_ONLY_FIELDS}, sort_keys=True)


def graph_key(spec: NetworkSpec) -> str:
    return spec.model_copy(update={f: None for f in RUN_ONLY_FIELDS}).model_dump_json()


def take_model(spec: NetworkSpec) -> PooledModel:
    """A model for spec, fresh or reused, starting exactly as build_model(spec) would."""
    from engine.backend import import_keras
    from engine.model import seeded_network

    key = graph_key(spec)
    with _lock:
        entry = _pool.pop(key, None)
    if entry is None:
        return new_model(spec)
    model = entry.model
    keras = import_keras()
    model.set_weights(keras.Model(*seeded_network(spec)).get_weights())  # seeds as build_model does
    for variable, value in zip(model.optimizer.variables, entry.fresh_optimizer_state, strict=True):
        variable.assign(value)
    model.reset_metrics()
    return entry


def new_model(spec: NetworkSpec, seeded: bool = True) -> PooledModel:
    """A freshly built model and its optimizer's starting values (what a reuse puts back)."""
    from engine.model import build_model

    model = build_model(spec, seeded)
    model.optimizer.build(model.trainable_variables)
    return PooledModel(model, [v.numpy() for v in model.optimizer.variables])


def holds(spec: NetworkSpec) -> bool:
    with _lock:
        return graph_key(spec) in _pool


def give_back(spec: NetworkSpec, pooled: PooledModel) -> None:
    """Keep a model whose training ended normally (completed, cancelled or diverged) for the next run."""
    key = graph_key(spec)
    with _lock:
        _pool[key] = pooled
        _pool.move_to_end(key)
        while len(_pool) > POOL_SIZE:
            _pool.popitem(last=False)


def clear() -> None:
    with _lock:
        _pool.clear()
