"""The key footer, drawn as one line of text.

Textual's own `Footer` builds a widget per key and rebuilds them all whenever the bindings change, which
happens on every screen switch: styling those widgets is most of what a switch costs (bench/keys.py
measures it). This footer reads the same public facts (`Screen.active_bindings`, the screen's
`bindings_updated_signal`, `App.get_key_display`) and paints them as one `Text`, so a switch only repaints a
line. It keeps what users rely on: keys in the theme's footer colours, disabled keys dimmed, a click on a
key presses it, and below 100 columns a compact layout without the ^p palette hint (help lists it) so
every key fits in 80 columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

COMPACT_BELOW = 100  # columns


@dataclass(frozen=True)
class ShownKey:
    """One key as drawn: its cells are [start, end) of the footer line."""

    key: str
    display: str
    description: str
    enabled: bool
    start: int
    end: int


def fitting_length(keys: list[tuple[str, str, str, bool]], width: int) -> int | None:
    """The longest description that lets every compact key fit in width (None: all fit whole). Only the
    longest labels are shortened, so "? Help" and "q Quit" stay whole at 60 columns."""

    def needed(cap: int | None) -> int:
        return sum(len(display) + 2 + len(shorten(description, cap)) for _, display, description, _ in keys)

    if not width or needed(None) <= width:
        return None
    for cap in range(max((len(k[2]) for k in keys), default=0), 1, -1):
        if needed(cap) <= width:
            return cap
    return 1


def shorten(description: str, cap: int | None) -> str:
    if cap is None or len(description) <= cap:
        return description
    return description[: cap - 1] + "…"


class KeyFooter(Widget):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description", "key-footer--palette"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        text-overflow: clip;
        & > .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-footer--palette {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shown: list[ShownKey] = []  # what the last render drew, where a click finds its key

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen:
            self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.refresh()

    @property
    def compact(self) -> bool:
        return self.app.size.width < COMPACT_BELOW

    def keys(self) -> list[tuple[str, str, str, bool]]:
        """(key, display, description, enabled) for each shown action, the first binding of each."""
        palette = self.app.COMMAND_PALETTE_BINDING
        seen: set[str] = set()
        out = []
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen or binding.key == palette:
                continue
            seen.add(binding.action)
            out.append((binding.key, self.app.get_key_display(binding), binding.description, enabled))
        return out

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-footer--key")
        description_style = self.get_component_rich_style("key-footer--description")
        compact = self.compact
        keys = self.keys()
        longest = fitting_length(keys, self.size.width) if compact else None
        line = Text(no_wrap=True, overflow="crop")
        shown = []
        for key, display, description, enabled in keys:
            start = line.cell_len
            dim = Style() if enabled else Style(dim=True)
            if compact:
                line.append(display, key_style + dim)
                label = shorten(description, longest)
                line.append(f" {label}" if label else "", description_style + dim)
                end = line.cell_len
                line.append(" ")
            else:
                line.append(f" {display} ", key_style + dim)
                line.append(f"{description} " if description else "", description_style + dim)
                end = line.cell_len
            shown.append(ShownKey(key, display, description, enabled, start, end))
        if not compact and self.app.ENABLE_COMMAND_PALETTE:
            hint = self.palette_hint()
            if hint is not None:
                gap = self.size.width - line.cell_len - hint.cell_len
                if gap >= 1:
                    line.append(" " * gap)
                    start = line.cell_len
                    line.append_text(hint)
                    key = self.app.COMMAND_PALETTE_BINDING
                    shown.append(ShownKey(key, key, "palette", True, start + 1, line.cell_len))
        self.shown = shown
        return line

    def palette_hint(self) -> Text | None:
        found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if found is None:
            return None
        _node, binding, _enabled, _tooltip = found
        hint = Text("▏", self.get_component_rich_style("key-footer--palette"))
        hint.append(f" {self.app.get_key_display(binding)} ", self.get_component_rich_style("key-footer--key"))
        hint.append(f"{binding.description} ", self.get_component_rich_style("key-footer--description"))
        return hint

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for shown in self.shown:
            if shown.start <= event.x < shown.end:
                if shown.enabled:
                    self.app.simulate_key(shown.key)
                else:
                    self.app.bell()
                return
