"""The exercise's questions answered from stored runs (SPEC §6): numbers, verdicts and the evidence behind them.

Pure: reads a Store, returns plain dataclasses; engine/report.py turns them into words and markdown.
Nothing here is ever estimated: a question whose run is missing answers None and names the missing run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.rules import PART_TITLES, PARTS, ParamCounts, check_rules, outside_rules, param_counts
from engine.spec import CLASSES, INPUTS
from engine.store import EpochRow, RunRecord, Store

PART_ONE = ("part1-large", "part1-small")
PART_TWO = ("part2-narrow", "part2-medium", "part2-wide")
PART_THREE = "part3"
QUESTION_EPOCH = 10  # "How accurate was this model on the validation data after 10 epochs?"
BEAT_THRESHOLD = 0.20  # Part Two: "better than 20% accuracy on validation or test data?"
GOAL = 0.92  # Part Three: "better than 92% accuracy on validation and test data"
SIMILAR_EPOCHS_RATIO = 1.25  # epoch counts within 25% of each other count as "similar"
CLEAR_CORRELATION = 0.7  # |r| at or above this, in both coefficients and the same sign, is "clear"

# Free-text answers the user writes (Answers screen) and the export prints under each part.
NOTE_KEYS = {
    "part1": "Your notes on Part One",
    "part2-hypothesis": "Your hypothesis for Part Two",
    "part2-correlation": "Your notes on parameters and accuracy",
    "part3": "Your notes on Part Three",
}


@dataclass(frozen=True)
class Net:
    """One stored run as the answers see it: its slot in the exercise and the numbers read from it."""

    slot: str | None  # the exercise part it answers (PARTS), None for a net of the user's own
    run: RunRecord

    @property
    def run_id(self) -> int:
        return self.run.run_id

    @property
    def name(self) -> str:
        return self.run.name

    @property
    def hidden_layers(self) -> list[int]:
        return list(self.run.spec_json.get("hidden_layers", []))

    @property
    def params(self) -> ParamCounts:
        return param_counts([INPUTS, *self.hidden_layers, CLASSES])

    @property
    def epochs_completed(self) -> int:
        return self.run.epochs_completed

    @property
    def epochs_planned(self) -> int | None:
        return self.run.spec_json.get("epochs")

    @property
    def train_accuracy(self) -> float | None:
        return self.run.metrics["train_accuracy"]

    @property
    def val_accuracy(self) -> float | None:
        return self.run.metrics["val_accuracy"]

    @property
    def test_accuracy(self) -> float | None:
        return self.run.metrics["test_accuracy"]

    @property
    def outside_rules(self) -> list[str]:
        """Why this run is outside the exercise rules (empty when it meets them)."""
        if self.run.spec is None:
            return ["spec stored by another version: rules not checked"]
        return outside_rules(check_rules(self.run.spec, self.slot))

    def epoch(self, n: int) -> EpochRow | None:
        return next((e for e in self.run.history if e.epoch == n), None)

    def first_epoch_above(self, threshold: float) -> int | None:
        return next((e.epoch for e in self.run.history if (e.val_accuracy or 0) > threshold), None)


@dataclass(frozen=True)
class PartOneAnswer:
    slot: str
    net: Net | None  # None: no run, the question is unanswered
    val_at_question_epoch: float | None  # from the epoch-10 history row
    train_gap: float | None  # final train - final validation accuracy (fractions, not points)
    test_gap: float | None  # final test - final validation accuracy


@dataclass(frozen=True)
class GradientEvidence:
    """mean |dL/dW| per Dense kernel at one epoch, hidden layers first and the output layer last."""

    net: Net
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


@dataclass(frozen=True)
class BestFigure:
    net: Net
    split: str  # "validation" or "test"
    value: float


@dataclass(frozen=True)
class Correlation:
    """Parameter count vs test accuracy across the Part One and Part Two nets."""

    nets: tuple[Net, ...]
    pearson: float | None
    spearman: float | None
    reason: str | None  # why no coefficient (too few nets, all accuracies equal), else None
    counterexample: tuple[Net, Net] | None  # (fewer params, more params) where more params scored lower

    @property
    def clear(self) -> bool | None:
        if self.pearson is None or self.spearman is None:
            return None
        same_sign = (self.pearson > 0) == (self.spearman > 0)
        return same_sign and min(abs(self.pearson), abs(self.spearman)) >= CLEAR_CORRELATION


@dataclass(frozen=True)
class PartTwoAnswer:
    nets: tuple[Net, ...]
    missing: tuple[str, ...]
    beat_20: bool | None  # None: no Part Two run to judge
    best: BestFigure | None  # the best validation/test figure of the Part Two nets
    deep_evidence: tuple[GradientEvidence, ...]
    shallow_evidence: tuple[GradientEvidence, ...]  # the Part One nets, for contrast
    correlation: Correlation

    @property
    def vanishing_supported(self) -> bool | None:
        """Whether the deep nets' first layers learn orders of magnitude slower than the shallow nets'.

        Supported when every deep net's first/last gradient ratio is at least 2 orders of magnitude larger
        than the largest shallow ratio (or 3 orders on its own when there is no Part One evidence)."""
        if not self.deep_evidence:
            return None
        # a first-layer gradient of exactly 0 (no ratio) has vanished completely
        deep = [math.inf if e.orders is None else e.orders for e in self.deep_evidence]
        shallow = [e.orders for e in self.shallow_evidence if e.orders is not None]
        floor = (max(shallow) + 2) if shallow else 3
        return min(deep) >= floor


@dataclass(frozen=True)
class PartThreeAnswer:
    net: Net | None
    val_ok: bool | None
    test_ok: bool | None
    first_epoch_over_goal: int | None  # first epoch whose validation accuracy beat 92%
    best_on_test: tuple[Net, ...]  # of every net in the answers (ties all listed)
    part_one_best: Net | None  # the Part One net with the best test accuracy, for the comparison
    similar_epochs: bool | None


@dataclass(frozen=True)
class Answers:
    nets: dict[str, Net]  # slot -> the run that answers it
    missing: tuple[str, ...]  # slots with no run
    extras: tuple[Net, ...]  # picked runs of the user's own nets (no exercise part)
    part_one: tuple[PartOneAnswer, ...]
    part_two: PartTwoAnswer
    part_three: PartThreeAnswer
    environment: list[tuple[str, str]]
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def all_nets(self) -> list[Net]:
        return [self.nets[s] for s in PARTS if s in self.nets] + list(self.extras)


# -- choosing the runs ------------------------------------------------------------------------------
def choose_nets(runs: list[RunRecord], chosen_run_ids: list[int] | None = None) -> tuple[dict[str, Net], list[Net]]:
    """The latest completed run of each part, overridden by any runs the user picked (newest pick wins
    where two share a part). Picked runs with no exercise part come back as extras."""
    by_slot: dict[str, Net] = {}
    for run in sorted(runs, key=lambda r: r.run_id):  # oldest first: later runs overwrite
        if run.status == "completed" and run.part in PARTS:
            by_slot[run.part] = Net(run.part, run)
    extras: list[Net] = []
    if chosen_run_ids:
        wanted = set(chosen_run_ids)
        picked = sorted((r for r in runs if r.run_id in wanted), key=lambda r: r.run_id)
        for run in picked:
            if run.part in PARTS:
                by_slot[run.part] = Net(run.part, run)
            else:
                extras.append(Net(None, run))
    return by_slot, extras


# -- each part --------------------------------------------------------------------------------------
def part_one(nets: dict[str, Net]) -> tuple[PartOneAnswer, ...]:
    out = []
    for slot in PART_ONE:
        net = nets.get(slot)
        if net is None:
            out.append(PartOneAnswer(slot, None, None, None, None))
            continue
        row = net.epoch(QUESTION_EPOCH)
        out.append(
            PartOneAnswer(
                slot,
                net,
                row.val_accuracy if row else None,
                _diff(net.train_accuracy, net.val_accuracy),
                _diff(net.test_accuracy, net.val_accuracy),
            )
        )
    return tuple(out)


def gradient_evidence(net: Net) -> GradientEvidence | None:
    """The last epoch's probe (the state training ended in); None if the run recorded no gradients."""
    for row in reversed(net.run.history):
        if row.gradients and len(row.gradients) >= 2:
            return GradientEvidence(net, row.epoch, tuple(row.gradients))
    return None


def correlation(nets: list[Net]) -> Correlation:
    points = [n for n in nets if n.test_accuracy is not None]
    if len(points) < 3:
        reason = f"needs at least 3 nets with a test accuracy, has {len(points)}"
        return Correlation(tuple(points), None, None, reason, None)
    params = [n.params.total for n in points]
    accs = [n.test_accuracy for n in points]
    if len(set(accs)) == 1 or len(set(params)) == 1:
        what = "test accuracy" if len(set(accs)) == 1 else "parameter count"
        return Correlation(tuple(points), None, None, f"every net has the same {what}", _counterexample(points))
    from scipy import stats  # imported here: only an export needs it

    return Correlation(
        tuple(points),
        float(stats.pearsonr(params, accs).statistic),
        float(stats.spearmanr(params, accs).statistic),
        None,
        _counterexample(points),
    )


def _counterexample(nets: list[Net]) -> tuple[Net, Net] | None:
    """The pair that argues hardest against "more parameters, more accuracy": the biggest accuracy drop
    from a net to one with more parameters."""
    best, drop = None, 0.0
    for small in nets:
        for big in nets:
            if big.params.total > small.params.total and small.test_accuracy - big.test_accuracy > drop:
                best, drop = (small, big), small.test_accuracy - big.test_accuracy
    return best


def part_two(nets: dict[str, Net]) -> PartTwoAnswer:
    present = tuple(nets[s] for s in PART_TWO if s in nets)
    figures = [
        BestFigure(n, split, value)
        for n in present
        for split, value in (("validation", n.val_accuracy), ("test", n.test_accuracy))
        if value is not None
    ]
    best = max(figures, key=lambda f: f.value, default=None)
    deep = tuple(e for e in (gradient_evidence(n) for n in present) if e)
    shallow = tuple(e for e in (gradient_evidence(nets[s]) for s in PART_ONE if s in nets) if e)
    corr = correlation([nets[s] for s in (*PART_ONE, *PART_TWO) if s in nets])
    return PartTwoAnswer(
        nets=present,
        missing=tuple(s for s in PART_TWO if s not in nets),
        beat_20=None if best is None else best.value > BEAT_THRESHOLD,
        best=best,
        deep_evidence=deep,
        shallow_evidence=shallow,
        correlation=corr,
    )


def part_three(nets: dict[str, Net], everyone: list[Net]) -> PartThreeAnswer:
    net = nets.get(PART_THREE)
    tested = [n for n in everyone if n.test_accuracy is not None]
    top = max((n.test_accuracy for n in tested), default=None)
    best_on_test = tuple(n for n in tested if n.test_accuracy == top)
    part_one_nets = [nets[s] for s in PART_ONE if s in nets and nets[s].test_accuracy is not None]
    p1_best = max(part_one_nets, key=lambda n: n.test_accuracy, default=None)
    similar = None
    if net and p1_best and net.epochs_completed and p1_best.epochs_completed:
        lo, hi = sorted((net.epochs_completed, p1_best.epochs_completed))
        similar = hi / lo <= SIMILAR_EPOCHS_RATIO
    return PartThreeAnswer(
        net=net,
        val_ok=None if net is None or net.val_accuracy is None else net.val_accuracy > GOAL,
        test_ok=None if net is None or net.test_accuracy is None else net.test_accuracy > GOAL,
        first_epoch_over_goal=net.first_epoch_above(GOAL) if net else None,
        best_on_test=best_on_test,
        part_one_best=p1_best,
        similar_epochs=similar,
    )


# -- environment ------------------------------------------------------------------------------------
def environment(nets: list[Net]) -> list[tuple[str, str]]:
    """(label, value) rows; a value that differs between runs lists each with its runs."""

    def collect(get) -> str:
        seen: dict[str, list[int]] = {}
        for n in nets:
            value = get(n.run)
            seen.setdefault("unknown" if value in (None, "") else str(value), []).append(n.run_id)
        if len(seen) == 1:
            return next(iter(seen))
        return "; ".join(f"{v} (run{'s' * (len(ids) > 1)} {', '.join(map(str, ids))})" for v, ids in seen.items())

    if not nets:
        return []
    rows = [
        ("Python", collect(lambda r: r.versions.get("python"))),
        ("Keras", collect(lambda r: r.versions.get("keras"))),
        ("TensorFlow", collect(lambda r: r.versions.get("tensorflow"))),
        ("Keras backend", collect(lambda r: r.backend or r.versions.get("backend"))),
        ("Device", collect(lambda r: r.device or r.versions.get("device"))),
        ("Platform", collect(lambda r: r.versions.get("platform"))),
        ("Seeds", collect(lambda r: r.spec_json.get("seed"))),
        ("Data", collect(lambda r: r.data_source)),
        ("Examples (train / validation / test)", collect(_sizes)),
    ]
    backends = {n.run.backend for n in nets} - {None, "tensorflow"}
    for lib in sorted(backends):  # e.g. JAX's version when runs used that backend
        rows.insert(3, (lib.upper() if lib == "jax" else lib, collect(lambda r, lib=lib: r.versions.get(lib))))
    return rows


def _sizes(run: RunRecord) -> str | None:
    s = run.sizes
    if not any(s.values()):
        return None
    return " / ".join(f"{s[k]:,}" if s.get(k) is not None else "?" for k in ("train", "validation", "test"))


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


# -- all of it --------------------------------------------------------------------------------------
def answers(store: Store, chosen_run_ids: list[int] | None = None) -> Answers:
    nets, extras = choose_nets(store.runs(), chosen_run_ids)
    everyone = [nets[s] for s in PARTS if s in nets] + extras
    return Answers(
        nets=nets,
        missing=tuple(s for s in PARTS if s not in nets),
        extras=tuple(extras),
        part_one=part_one(nets),
        part_two=part_two(nets),
        part_three=part_three(nets, everyone),
        environment=environment(everyone),
        notes=store.get_notes(),
    )


def slot_title(slot: str) -> str:
    return PART_TITLES.get(slot, slot)
