"""Compiling the next network of a queue while the current one trains.

A network's first epoch pays for tracing and compiling its programs (training, evaluation, prediction,
the gradient probe): seconds on a CPU, several steady epochs of the small nets. In a queue (`train --all`,
the worker) the next network is known while the current one trains, so a background thread builds it,
runs each of its programs once on inputs shaped exactly like the run's, and leaves it in the model pool
(engine/model_pool.py). The next run takes it from there: weights drawn under its own seed, a fresh
optimizer state, as for any reused model (tested bit for bit against a fresh build), and no compiling.

The thread never touches the process's random state (the current run's shuffling reads it): its model is
built unseeded and its inputs are fixed. It runs at the lowest CPU priority, so it takes what the current
run leaves idle (a compile is mostly one thread; these nets rarely keep two cores busy). A run that starts
while its warm-up is still compiling waits for it rather than compiling the same programs again.
"""

from __future__ import annotations

import atexit
import threading

from engine.data import Splits
from engine.spec import NetworkSpec

LOWEST_PRIORITY = 19  # nice: what the current run leaves idle


class WarmUp:
    def __init__(self) -> None:
        self.thread: threading.Thread | None = None
        self.warmed: list[str] = []  # names of the networks compiled ahead, in order
        self.error: str | None = None  # the last warm-up's failure; the run then compiles as usual
        atexit.register(self.wait)  # never leave a thread inside TensorFlow while the interpreter exits

    def start(self, spec: NetworkSpec, splits: Splits, eval_batch: int, probe_rows: int) -> bool:
        """Compile spec's programs in the background unless they are ready or a warm-up is running."""
        from engine.model_pool import holds

        if self.busy or holds(spec):
            return False
        self.thread = threading.Thread(
            target=self._compile, args=(spec, splits, eval_batch, probe_rows), name="mnist-tui-warm-up", daemon=True
        )
        self.thread.start()
        return True

    @property
    def busy(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def _compile(self, spec: NetworkSpec, splits: Splits, eval_batch: int, probe_rows: int) -> None:
        from engine.backend import background_priority
        from engine.blocks import evaluation_input, validation_kwargs, warm_up_input
        from engine.gradients import mean_abs_kernel_gradients
        from engine.model_pool import give_back, new_model

        background_priority(LOWEST_PRIORITY)
        try:
            pooled = new_model(spec, seeded=False)
            model = pooled.model
            val = evaluation_input(splits.x_val[:eval_batch], splits.y_val[:eval_batch], eval_batch, keep=False)
            train = warm_up_input(splits.x_train, splits.y_train, spec.batch_size)
            model.fit(**train, epochs=1, verbose=0, **validation_kwargs(val))
            test = evaluation_input(splits.x_test[:eval_batch], splits.y_test[:eval_batch], eval_batch, keep=False)
            test.pop("y", None)
            model.predict(**test, verbose=0)
            mean_abs_kernel_gradients(model, splits.x_train[:probe_rows], splits.y_train[:probe_rows])
        except Exception as exc:  # a warm-up is an optimisation: the run compiles for itself instead
            self.error = f"{exc.__class__.__name__}: {exc}"
            return
        give_back(spec, pooled)
        self.warmed.append(spec.name)
