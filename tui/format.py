"""Small text formatters shared by the screens."""

from __future__ import annotations

from tui.text import fit


def loss(x: float | None) -> str:
    """A loss with four decimals, '-' when there is none; a blown-up loss in short form, not 20 digits."""
    if x is None:
        return "-"
    return f"{x:.4f}" if abs(x) < 1e4 else f"{x:.3g}"


def duration(seconds: float | None) -> str:
    """0:07, 12:03, 1:02:03."""
    if seconds is None:
        return "-"
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    mins, secs = divmod(rest, 60)
    return f"{h}:{mins:02d}:{secs:02d}" if h else f"{mins}:{secs:02d}"


def clip(text: str, width: int) -> str:
    """Fit text in width terminal cells (a CJK character takes two), marking a cut with an ellipsis;
    control and bidirectional characters shown escaped (tui/text.py)."""
    return fit(text, width)


def seed_text(spec_json: dict) -> str:
    seed = spec_json.get("seed")
    return "-" if seed is None else str(seed)


def lr_text(spec_json: dict) -> str:
    lr = spec_json.get("learning_rate")
    return "-" if not isinstance(lr, int | float) else f"{lr:g}"


def list_name(item) -> str:
    """A run's or job's name in a list: a control leads with what it changed ("ReLU · Part Two, narrow"), so
    runs of one preset can be told apart even when the name is cut."""
    if getattr(item, "kind", "exercise") != "control":
        return item.name
    from engine.experiment_controls import control_tag

    base = item.spec_json.get("name") or item.preset
    return f"{control_tag(item.preset, item.spec)} · {base}"
