"""How the TUI ends: a termination signal quits like `q`, and input queued behind a quit is dropped.

- `quit_on_signals(app)`: SIGTERM, SIGHUP and SIGQUIT run the app's `quit` action (the same as `q`), so
  Textual stops its driver and the terminal gets its main screen back with mouse tracking off; a second
  signal exits at once. Without this the default action kills the process inside the alternate screen.
- `farewell(...)`: what `q` leaves behind (runs training, jobs waiting), said on the terminal afterwards.
- `ExitGuard`: typing `q` then `e` quickly delivers both keys before the app closes; `e` then pushes the
  editor onto a closing app, whose widgets are never composed, and the app dies with exit status 1. A
  mixin listed before `App` drops every input event from the moment `exit()` is called.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:
    from textual.app import App

QUIT_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name))


class ExitGuard:
    """Mixin for a Textual App (`class MyApp(ExitGuard, App)`): after exit() no key, click or paste is
    handled, so nothing can start a screen or a run on an app that is shutting down."""

    exiting = False

    def exit(self, *args, **kwargs) -> None:
        self.exiting = True
        super().exit(*args, **kwargs)

    async def on_event(self, event: events.Event) -> None:
        if self.exiting and isinstance(event, events.InputEvent):
            return
        await super().on_event(event)


@contextlib.contextmanager
def quit_on_signals(app: App, signals: tuple[int, ...] = QUIT_SIGNALS) -> Iterator[None]:
    """While the block runs (around app.run()), each signal in `signals` asks the app to quit like `q`;
    the previous handlers come back afterwards."""
    received: list[int] = []

    def on_signal(signum: int, frame) -> None:
        received.append(signum)
        try:
            loop = asyncio.get_running_loop()  # the app's loop: the handler runs on its (main) thread
        except RuntimeError:  # not started yet or already stopped: nothing on screen to restore
            raise SystemExit(128 + signum) from None
        # call_soon_threadsafe wakes the loop through its self-pipe: safe from inside a signal handler
        loop.call_soon_threadsafe(_quit, app, len(received) > 1)

    previous = {}
    for signum in signals:
        with contextlib.suppress(ValueError, OSError):  # not the main thread, or a signal we may not catch
            previous[signum] = signal.signal(signum, on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _quit(app: App, at_once: bool) -> None:
    if at_once or not app.is_running:
        app.exit()
        return
    app.call_later(app.run_action, "quit")  # exactly what `q` does, e.g. a farewell about running jobs


def farewell(training: int, waiting: int) -> str | None:
    """What `q` leaves behind, said on the terminal after the app is gone."""
    if not training and not waiting:
        return None
    parts = []
    if training:
        parts.append(f"{training} run{'s' * (training != 1)} training")
    if waiting:
        parts.append(f"{waiting} waiting in the queue")
    return (
        f"Still going in the background: {', '.join(parts)}. Run mnist-tui to watch, or mnist-tui cancel --all to stop."
    )
