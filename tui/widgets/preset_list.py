"""The preset list on Home: presets grouped by exercise part, one aligned row each.

An OptionList whose group titles are disabled options, so the cursor skips them.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from engine.presets import Preset
from tui.text import pad

GROUPS = ("Part One", "Part Two", "Part Three", "Your presets")
# name, layers, params, rules; weights / biases come last, so a narrow terminal cuts them, never the rules
WIDTHS = (19, 12, 9, 10)


def header_text() -> Text:
    cells = ("preset", "layers", "params", "rules", "weights / biases")
    return Text(_row(cells), style="bold")


def _row(cells) -> str:
    name, layers, params, rules, wb = cells
    w = WIDTHS
    return f"{pad(name, w[0])} {pad(layers, w[1])} {params:>{w[2]}}  {rules:<{w[3]}} {wb}"


def row_text(preset: Preset) -> Text:
    c = preset.params
    ok = preset.meets_rules
    w = WIDTHS
    text = Text(f"{pad(preset.spec.name, w[0])} {pad(preset.spec.layers_text(), w[1])} ")
    text.append(f"{c.total:,}".rjust(w[2]) + "  ")
    text.append(("✓ ok" if ok else "✗ outside").ljust(w[3]), style="green" if ok else "red")
    text.append(f" {c.weights:,} / {c.biases:,}")
    return text


class PresetList(OptionList):
    """Presets under their part's title; option ids are preset ids."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.presets: dict[str, Preset] = {}

    def set_presets(self, presets: list[Preset], keep: str | None = None) -> None:
        """Show presets grouped; keep the highlight on preset `keep` if it is still there. The same presets
        again (Home shown again) change nothing: rebuilding the options costs a layout pass."""
        if self.presets and list(self.presets.values()) == presets:
            return
        self.presets = {p.id: p for p in presets}
        options: list[Option] = []
        for group in GROUPS:
            members = [p for p in presets if p.group == group]
            if members:
                options.append(Option(Text(group, style="bold"), disabled=True))
                options.extend(Option(row_text(p), id=p.id) for p in members)
        self.set_options(options)
        target = keep if keep in self.presets else next(iter(self.presets), None)
        if target is not None:
            self.highlighted = self.get_option_index(target)

    @property
    def current(self) -> Preset | None:
        if self.highlighted is None:
            return None
        option = self.get_option_at_index(self.highlighted)
        return self.presets.get(option.id) if option.id else None
