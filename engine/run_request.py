"""What one run is asked to be: a spec and where its data comes from. Kept apart from the runner so that a
process that only queues work (the TUI, `mnist-tui queue`) never imports the training code."""

from __future__ import annotations

from dataclasses import dataclass

from engine.spec import NetworkSpec


@dataclass(frozen=True)
class RunRequest:
    preset: str
    part: str | None
    spec: NetworkSpec
    data: str | None = None  # --data; None: MNIST_TUI_DATA or the Keras loader
    subset: int | None = None
    repeat_group: str | None = None  # runs of one spec over several seeds share this
    kind: str = "exercise"  # or "control": an experiment outside the rules, never an exercise answer
    label: str | None = None
    sweep_id: int | None = None  # the sweep this run is a point of
