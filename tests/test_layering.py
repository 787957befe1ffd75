"""The flow is one-way: tui -> engine. engine never imports Textual; the TUI's import pulls in no TensorFlow."""

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_engine_does_not_import_textual():
    mods = _modules_after(
        "import engine.spec, engine.rules, engine.presets, engine.data, engine.store, engine.runner, engine.trainer"
    )
    assert not {m for m in mods if m.split(".")[0] in ("textual", "textual_plotext", "tui")}


def test_cli_and_app_import_no_tensorflow():
    mods = _modules_after("import tui.cli, tui.app")
    assert not {m for m in mods if m.split(".")[0] in ("tensorflow", "keras", "jax")}


def test_presets_command_imports_no_tensorflow():
    mods = _modules_after("import tui.cli\ntui.cli.main(['presets', '--json'])")
    assert "tensorflow" not in mods and "keras" not in mods
