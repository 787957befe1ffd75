"""The data source a store remembers: the last `--data` given to the TUI (or set with `mnist-tui settings
data PATH`), so a TUI opened again after a reconnect shows and queues with the data the queue trains on.
Stored resolved (an absolute path), since the worker that reads it runs in another folder."""

from __future__ import annotations

import os
from pathlib import Path

from engine.errors import MnistTuiError

DATA_SETTING = "data"


def resolved(source: str | os.PathLike) -> str:
    return str(Path(source).expanduser().resolve())


def remember_data(store, source: str | os.PathLike | None) -> str | None:
    """Remember source (resolved) for this store; None forgets it. Returns what is now remembered."""
    value = resolved(source) if source else None
    store.settings.set(DATA_SETTING, value)
    return value


def remembered_data(store) -> str | None:
    try:
        return store.settings.get(DATA_SETTING)
    except MnistTuiError:
        return None


def choose_data(store, given: str | os.PathLike | None) -> str | None:
    """The data a TUI uses: --data (then remembered for this store), else MNIST_TUI_DATA (None here: the
    loader reads it), else what this store remembers, else None (Keras's MNIST)."""
    if given:
        try:
            return remember_data(store, given)
        except MnistTuiError:  # a read-only store: used, not remembered
            return resolved(given)
    if os.environ.get("MNIST_TUI_DATA"):
        return None
    return remembered_data(store)
