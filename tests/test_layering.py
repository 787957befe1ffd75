"""The flow is one-way: tui -> engine. Every module of engine/ is imported and none pulls in Textual (or tui);
every module of tui/ is imported and none pulls in TensorFlow, Keras or JAX (the TUI process must never
load them: training runs in another process). Each package is walked in a fresh interpreter, module by
module, so a failure names the module that brought the forbidden import in."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import ROOT

WALK = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
forbidden = tuple(sys.argv[2:])
names, offenders = [package.__name__], {}
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    names.append(info.name)
for name in names:
    importlib.import_module(name)
    pulled = sorted(m for m in sys.modules if m.split(".")[0] in forbidden)
    if pulled and not offenders:
        offenders[name] = pulled[:5]
print(json.dumps({"imported": names, "offenders": offenders}))
"""


def walk(package: str, *forbidden: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", WALK, package, *forbidden], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def modules_on_disk(package: str) -> set[str]:
    out = set()
    for path in (ROOT / package).rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


def test_no_engine_module_imports_textual_or_tui():
    result = walk("engine", "textual", "textual_plotext", "tui")
    assert set(result["imported"]) == modules_on_disk("engine")  # every module, none missed
    assert result["offenders"] == {}, f"the first module to pull them in: {result['offenders']}"


def test_no_tui_module_imports_tensorflow_keras_or_jax():
    result = walk("tui", "tensorflow", "keras", "jax", "jaxlib")
    assert set(result["imported"]) == modules_on_disk("tui")
    assert result["offenders"] == {}, f"the first module to pull them in: {result['offenders']}"


def test_presets_command_imports_no_tensorflow():
    done = subprocess.run(
        [sys.executable, "-c", "import sys, tui.cli\ntui.cli.main(['presets', '--json'])\nprint(*sys.modules)"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    mods = set(done.stdout.split())
    assert "tensorflow" not in mods and "keras" not in mods
