"""The key footer: when the terminal is narrow it is compact and leaves out the ^p palette hint (help lists
it), so every key still fits in 80 columns."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

COMPACT_BELOW = 100  # columns


class KeyFooter(Footer):
    def on_mount(self) -> None:
        self.fit()

    def on_resize(self, event: events.Resize) -> None:
        self.fit()

    def fit(self) -> None:
        narrow = self.app.size.width < COMPACT_BELOW
        if narrow == self.compact and self.show_command_palette != narrow:
            return
        self.compact = narrow
        self.show_command_palette = not narrow
        self.refresh(recompose=True)  # the palette key is only added or dropped on compose
