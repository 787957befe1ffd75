"""The evidence behind Part Two's answers: gradient probes, what each net predicts, the correlation of
parameters and accuracy, and what the controls changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.answers.nets import Net
from engine.answers.paired import Evidence
from engine.correlation import CorrelationTest, correlate
from engine.experiment_controls import describe_change
from engine.stats import Gap

BEAT_THRESHOLD = 0.20  # Part Two: "better than 20% accuracy on validation or test data?"


@dataclass(frozen=True)
class GradientEvidence:
    """mean |dL/dW| per Dense kernel at one epoch of one run, hidden layers first and the output last."""

    net: Net
    run_id: int
    epoch: int
    per_layer: tuple[float, ...]

    @property
    def first(self) -> float:
        return self.per_layer[0]

    @property
    def last(self) -> float:
        return self.per_layer[-1]

    @property
    def ratio(self) -> float | None:
        """How many times smaller the first hidden layer's gradient is than the output layer's."""
        return self.last / self.first if self.first > 0 else None

    @property
    def orders(self) -> float | None:
        r = self.ratio
        return math.log10(r) if r and r > 0 else None


def gradient_evidence(net: Net, which: str = "last") -> GradientEvidence | None:
    """The probe of the net's first run at its first or last probed epoch; None without a probe."""
    return _probe(net, net.run, which)


def gradient_evidence_all_runs(net: Net) -> list[GradientEvidence]:
    """The last probe of every run of the net."""
    return [e for r in net.runs if (e := _probe(net, r, "last"))]


def _probe(net: Net, run, which: str) -> GradientEvidence | None:
    rows = [row for row in run.history if row.gradients and len(row.gradients) >= 2]
    if not rows:
        return None
    row = rows[0] if which == "first" else rows[-1]
    return GradientEvidence(net, run.run_id, row.epoch, tuple(row.gradients))


@dataclass(frozen=True)
class Predictions:
    """What one net's final models answer on test, run by run."""

    net: Net
    per_run: tuple[list[int] | None, ...]

    @property
    def known(self) -> list[list[int]]:
        return [c for c in self.per_run if c]

    def top(self, counts: list[int]) -> tuple[int, float]:
        """(the digit predicted most, its share of the test images)."""
        total = sum(counts) or 1
        digit = max(range(len(counts)), key=lambda d: counts[d])
        return digit, counts[digit] / total

    @property
    def single_digit(self) -> bool | None:
        """Whether every run predicts one digit for every test image (None: no histogram recorded)."""
        if not self.known:
            return None
        return all(self.top(c)[1] == 1.0 for c in self.known)


@dataclass(frozen=True)
class Correlation:
    """log10(parameter count) vs mean test accuracy, one point per net of Parts One and Two. Part Three
    stands apart: it was built to clear 92% with a larger learning rate and more epochs, so it would tell
    about those choices, not about size. The log: counts span two orders of magnitude, and on a linear
    axis the largest net alone would set the line."""

    nets: tuple[Net, ...]
    test: CorrelationTest | None
    reason: str | None  # why no coefficient, else None
    counterexample: tuple[Net, Net] | None  # (fewer params, more params) where more params scored lower
    apart: tuple[Net, ...] = ()  # nets shown beside the points but not in the coefficient (Part Three)

    @property
    def clear(self) -> bool | None:
        return None if self.test is None else self.test.clear

    @property
    def pearson(self) -> float | None:
        return None if self.test is None else self.test.pearson

    @property
    def spearman(self) -> float | None:
        return None if self.test is None else self.test.spearman


def correlation(nets: list[Net], apart: list[Net] | None = None) -> Correlation:
    points = [n for n in nets if n.test_accuracy is not None]
    found = correlate([math.log10(n.params.total) for n in points], [n.test_accuracy for n in points])
    example = _counterexample(points)
    rest = tuple(n for n in apart or [] if n.test_accuracy is not None)
    if isinstance(found, str):
        return Correlation(tuple(points), None, found, example, rest)
    return Correlation(tuple(points), found, None, example, rest)


def _counterexample(nets: list[Net]) -> tuple[Net, Net] | None:
    """The pair that argues hardest against "more parameters, more accuracy": the biggest accuracy drop
    from a net to one with more parameters."""
    best, drop = None, 0.0
    for small in nets:
        for big in nets:
            if big.params.total > small.params.total and small.test_accuracy - big.test_accuracy > drop:
                best, drop = (small, big), small.test_accuracy - big.test_accuracy
    return best


@dataclass(frozen=True)
class ControlResult:
    """One control net against the exercise net it changes."""

    control: Net
    base: Net | None  # the exercise net of the same part, if it is in the answers
    change: str | None  # the one change in words; None when the control differs in more than one thing
    vs_base: Gap | None  # control test minus base test

    @property
    def gradients(self) -> list[GradientEvidence]:
        """The last gradient probe of each of the control's runs."""
        return gradient_evidence_all_runs(self.control)

    @property
    def learns(self) -> bool | None:
        """Above the 20% mark on test, and (with a base to compare) measurably above the base net."""
        acc = self.control.test_accuracy
        if acc is None:
            return None
        above_base = self.vs_base is None or (self.vs_base.diff > 0 and self.vs_base.measurable)
        return acc > BEAT_THRESHOLD and above_base


def control_results(controls: tuple[Net, ...], nets: dict[str, Net], ev: Evidence) -> tuple[ControlResult, ...]:
    out = []
    for c in controls:
        base = nets.get(c.part)
        change = None
        if base and base.run.spec and c.run.spec:
            change = describe_change(base.run.spec, c.run.spec)
        elif c.run.spec:
            change = _change_from_preset(c)
        out.append(ControlResult(c, base, change, ev.nets(c, base) if base else None))
    return tuple(out)


def _change_from_preset(control: Net) -> str | None:
    """Without its exercise net in the answers, a control's change is read against its preset."""
    from engine.errors import MnistTuiError
    from engine.presets import find_preset

    try:
        return describe_change(find_preset(control.run.preset).spec, control.run.spec)
    except MnistTuiError:
        return None
