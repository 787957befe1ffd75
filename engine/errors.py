"""The engine's exceptions: each carries one human line that a CLI or a screen can show as is."""


class MnistTuiError(Exception):
    """Base class: str(exc) is a complete one-line message for the user."""

    exit_code = 1


class SpecError(MnistTuiError):
    """An invalid network spec, preset file or flag value (bad usage: exit 2)."""

    exit_code = 2


class DataError(MnistTuiError):
    """MNIST could not be loaded: missing, partial, corrupt or mis-shaped files."""


class StoreError(MnistTuiError):
    """The run store could not be opened or written."""
