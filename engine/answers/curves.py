"""Learning-curve facts per run, so that over- or underfitting is judged from the curves and not from one
train-validation difference: the epoch of the best validation accuracy, the validation-loss minimum and
its epoch, the last three epochs' validation-loss trend, and a one-line judgement those numbers carry.

The judgement, per run:
- overfitting: the validation loss ended more than RISE above its minimum, reached before the last three
  epochs, while the training loss kept falling;
- still learning: the validation loss fell by more than FALL (relative) over the last three epochs;
- plateaued: neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.store import RunRecord

RISE = 0.02  # the last validation loss 2% above its minimum
FALL = 0.01  # the validation loss 1% lower than two epochs before
TREND_EPOCHS = 3


@dataclass(frozen=True)
class CurveFacts:
    run_id: int
    epochs: int
    best_val_epoch: int
    best_val_accuracy: float
    val_loss_min: float
    val_loss_min_epoch: int
    last_val_losses: tuple[float, ...]  # the last three epochs' validation loss, oldest first
    judgement: str  # "overfitting", "still learning" or "plateaued"

    @property
    def trend(self) -> float:
        """Relative change of the validation loss over the last three epochs (negative: falling)."""
        first, last = self.last_val_losses[0], self.last_val_losses[-1]
        return (last - first) / first if first else 0.0


def curve_facts(run: RunRecord) -> CurveFacts | None:
    """None when the run has fewer than three epochs with a validation loss and accuracy."""
    rows = [e for e in run.history if e.val_loss is not None and e.val_accuracy is not None]
    if len(rows) < TREND_EPOCHS:
        return None
    best = max(rows, key=lambda e: (e.val_accuracy, -e.epoch))
    low = min(rows, key=lambda e: (e.val_loss, e.epoch))
    last = rows[-TREND_EPOCHS:]
    losses = tuple(e.val_loss for e in last)
    train_falling = last[-1].loss is not None and low.loss is not None and last[-1].loss < low.loss
    if low.epoch < last[0].epoch and losses[-1] > low.val_loss * (1 + RISE) and train_falling:
        judgement = "overfitting"
    elif losses[-1] < losses[0] * (1 - FALL):
        judgement = "still learning"
    else:
        judgement = "plateaued"
    return CurveFacts(
        run.run_id, rows[-1].epoch, best.epoch, best.val_accuracy, low.val_loss, low.epoch, losses, judgement
    )
