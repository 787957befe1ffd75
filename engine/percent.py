"""An accuracy as a percentage: the one formatter of the answers document, the screens and the CLI, so a
number reads the same wherever it is shown. A leaf module (no imports), so `mnist-tui --help` and the
listings stay quick to start."""

from __future__ import annotations


def pct(x: float | None, missing: str = "n/a") -> str:
    """An accuracy exactly as stored, as a percentage with two decimals; `missing` when there is none ("n/a"
    in the answers document's prose; the screens and the CLI pass "-", the blank of their tables)."""
    return missing if x is None else f"{x * 100:.2f}%"
