"""Placeholder until the TUI issue lands: the command line works headless."""


def run_app(data=None, store=None) -> int:
    import sys

    print("mnist-tui: the TUI is not built yet; use `mnist-tui presets|train|runs`", file=sys.stderr)
    return 1
