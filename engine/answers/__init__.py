"""The exercise's questions answered from stored runs: numbers, verdicts and the evidence behind them.

Pure: reads a Store, returns plain dataclasses; engine/report turns them into words and markdown.
A question whose run is missing answers None and names the missing run; the spreads, intervals and
p-values are estimates from the runs, and say how many runs they rest on. nets.py groups runs into nets
(repeats together), curves.py reads each run's learning curve, paired.py holds the predictions-based
comparisons and the Holm family, evidence.py Part Two's evidence, parts.py each part's answer, build.py
the whole (`build_answers`).
"""

from engine.answers.build import (
    CORRELATION_NOTES,
    HYPOTHESIS_NOTES,
    NOTE_KEYS,
    NOTES,
    PART_ONE_NOTES,
    PART_THREE_NOTES,
    Answers,
    answers,
    build_answers,
    environment,
    slot_title,
)
from engine.answers.evidence import (
    BEAT_THRESHOLD,
    ControlResult,
    Correlation,
    GradientEvidence,
    Predictions,
    correlation,
    gradient_evidence,
)
from engine.answers.nets import Net
from engine.answers.parts import (
    GOAL,
    QUESTION_EPOCH,
    SIMILAR_EPOCHS_RATIO,
    AgainstPartOne,
    BestFigure,
    PartOneAnswer,
    PartThreeAnswer,
    PartTwoAnswer,
)
from engine.rules import PART_ONE, PART_THREE, PART_TWO

__all__ = [
    "BEAT_THRESHOLD",
    "GOAL",
    "NOTE_KEYS",
    "NOTES",
    "PART_ONE_NOTES",
    "HYPOTHESIS_NOTES",
    "CORRELATION_NOTES",
    "PART_THREE_NOTES",
    "PART_ONE",
    "PART_THREE",
    "PART_TWO",
    "QUESTION_EPOCH",
    "SIMILAR_EPOCHS_RATIO",
    "AgainstPartOne",
    "Answers",
    "BestFigure",
    "ControlResult",
    "Correlation",
    "GradientEvidence",
    "Net",
    "PartOneAnswer",
    "PartThreeAnswer",
    "PartTwoAnswer",
    "Predictions",
    "answers",
    "build_answers",
    "correlation",
    "environment",
    "gradient_evidence",
    "slot_title",
]
