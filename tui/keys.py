"""Keys several screens bind alike, defined once so they read and show the same everywhere."""

from __future__ import annotations

from textual.binding import Binding

# every screen pushed over another leaves with esc (or backspace, where a terminal sends it for esc)
BACK = Binding("escape,backspace", "back", "Back", key_display="esc")
