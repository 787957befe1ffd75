"""A sweep's answer to "is parameter count clearly correlated with accuracy?", kept apart from the
exercise's six nets: one point per swept setting (its mean test accuracy over its seeds) against its
parameter count.

- Spearman's rho over the points, with its p-value and a bootstrap 95% interval: the points are resampled
  with replacement BOOTSTRAP_RESAMPLES times from a fixed seed (numpy), rho is computed on each resample,
  and the 2.5th and 97.5th percentiles are the interval. Resamples where every point has the same size or
  the same accuracy have no rho and are left out (their count is kept).
- The partial rank correlation with depth held fixed: Spearman's coefficients of size, accuracy and depth
  combined as r_xy.z = (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2)), with its interval from the same
  resamples. It asks whether bigger nets score better among nets of the same depth, since in most sweeps
  depth changes size and trainability at once.

Ranks do not change under a logarithm, so rho over log parameters is rho over parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.store import Store
from engine.store.sweeps import SweepRecord
from engine.sweep_results import PointResult, SweepResults, results_of

BOOTSTRAP_SEED = 20
BOOTSTRAP_RESAMPLES = 2000
LEVEL = 0.95
MIN_POINTS = 3


@dataclass(frozen=True)
class Coefficient:
    value: float
    low: float  # the bootstrap interval
    high: float
    resamples: int  # resamples that had a coefficient

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class SweepAnswer:
    sweep: SweepRecord
    points: tuple[PointResult, ...]  # the points with a test accuracy
    runs: int  # completed runs behind them
    rho: Coefficient | None
    rho_p: float | None
    partial: Coefficient | None
    reason: str | None  # why there is no rho
    partial_reason: str | None  # why there is no partial correlation
    others: dict[str, list[str]]  # swept fields besides size, with the values they took
    sizes: tuple[dict, ...]  # train / validation / test sizes of its runs
    epochs: tuple[int, ...]
    shared_order_runs: int = 0  # of `runs`, those trained stacked on one batch order with their point's mates


def sweep_answer(store: Store) -> SweepAnswer | None:
    """The newest sweep's answer (None when the store has no sweep)."""
    sweeps = store.sweeps.all()
    if not sweeps:
        return None
    sweep = sweeps[0]
    return answer_of(results_of(sweep, store.runs(sweep=sweep.sweep_id)))


def answer_of(results: SweepResults) -> SweepAnswer:
    points = tuple(p for p in results.measured("test"))
    x = np.array([math.log10(p.params) for p in points])
    y = np.array([p.mean("test") for p in points])
    z = np.array([p.depth for p in points], dtype=float)
    runs = [r for p in points for r in p.runs]
    others = {
        f: sorted({str(p.values.get(f)) for p in points}, key=_natural)
        for f in results.sweep.swept
        if f not in ("hidden_layers", "width", "depth") and len({str(p.values.get(f)) for p in points}) > 1
    }
    rho = rho_p = partial = None
    reason = partial_reason = None
    if len(points) < MIN_POINTS:
        reason = f"needs at least {MIN_POINTS} points with a test accuracy, has {len(points)}"
    elif len(set(y)) == 1:
        reason = "every point has the same mean test accuracy"
    elif len(set(x)) == 1:
        reason = "every point has the same parameter count"
    else:
        idx = np.random.default_rng(BOOTSTRAP_SEED).integers(0, len(points), size=(BOOTSTRAP_RESAMPLES, len(points)))
        rho = _coefficient(spearman(x, y), spearman_rows(x[idx], y[idx]))
        rho_p = _p_value(x, y)
        if len(set(z)) == 1:
            depth = int(z[0])
            partial_reason = f"every point has {depth} hidden layer{'s' * (depth != 1)}"
        else:
            value = partial_spearman(x, y, z)
            if value is None:
                partial_reason = (
                    "size and depth rank the points in exactly the same order, so they cannot be told apart"
                )
            else:
                partial = _coefficient(value, partial_rows(x[idx], y[idx], z[idx]))
    return SweepAnswer(
        sweep=results.sweep,
        points=points,
        runs=len(runs),
        rho=rho,
        rho_p=rho_p,
        partial=partial,
        reason=reason,
        partial_reason=partial_reason,
        others=others,
        sizes=tuple(_sizes(runs)),
        epochs=tuple(sorted({r.epochs_completed for r in runs})),
        shared_order_runs=sum(1 for r in runs if r.shared_order),
    )


# -- the statistics -------------------------------------------------------------------------------------
def ranks(a: np.ndarray) -> np.ndarray:
    """Ranks along the last axis, ties given their average rank (as Spearman's rho needs)."""
    from scipy.stats import rankdata

    return rankdata(a, axis=-1)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    return float(spearman_rows(x[None, :], y[None, :])[0])


def spearman_rows(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row pair: Pearson's r of their ranks (NaN where a row's ranks are constant)."""
    rx, ry = ranks(x), ranks(y)
    rx = rx - rx.mean(axis=-1, keepdims=True)
    ry = ry - ry.mean(axis=-1, keepdims=True)
    denominator = np.sqrt((rx**2).sum(axis=-1) * (ry**2).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (rx * ry).sum(axis=-1) / np.where(denominator > 0, denominator, 1), np.nan)


def partial_from(r_xy, r_xz, r_yz):
    """The partial correlation of x and y with z held fixed, from the three pairwise coefficients."""
    with np.errstate(invalid="ignore", divide="ignore"):
        denominator = np.sqrt((1 - r_xz**2) * (1 - r_yz**2))
        return np.where(
            denominator > 1e-12, (r_xy - r_xz * r_yz) / np.where(denominator > 1e-12, denominator, 1), np.nan
        )


def partial_spearman(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> float | None:
    value = float(partial_from(spearman(x, y), spearman(x, z), spearman(y, z)))
    return None if math.isnan(value) else value


def partial_rows(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    return partial_from(spearman_rows(x, y), spearman_rows(x, z), spearman_rows(y, z))


def _coefficient(value: float, resampled: np.ndarray) -> Coefficient:
    known = resampled[~np.isnan(resampled)]
    tail = 100 * (1 - LEVEL) / 2
    low, high = np.percentile(known, [tail, 100 - tail]) if known.size else (math.nan, math.nan)
    return Coefficient(value, float(low), float(high), int(known.size))


def _p_value(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).pvalue)


def _sizes(runs) -> list[dict]:
    seen: list[dict] = []
    for r in runs:
        if r.sizes not in seen:
            seen.append(r.sizes)
    return seen


def _natural(text: str):
    try:
        return (0, float(text), text)
    except ValueError:
        return (1, 0.0, text)
