"""Typed access to the running app from a screen, widget or palette provider: `mnist_app(self).store`.

The app module imports the screens, so the screens must not import it back at run time: the type comes
from a TYPE_CHECKING import and the value is the node's own `app`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.dom import DOMNode

    from tui.app import MnistTuiApp


def mnist_app(node: DOMNode | Provider) -> MnistTuiApp:
    return cast("MnistTuiApp", node.app)
