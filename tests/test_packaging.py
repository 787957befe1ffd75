"""Packaging facts with one home: the version lives in engine/__init__.py only, and the UI libraries the
snapshot tests depend on are installed at exactly the versions constraints.txt pins.

Whatever venv runs them: mnist-tui itself may be installed from another checkout (a worktree testing with
PYTHONPATH), from a wheel, or not at all; only an install of this very checkout is held to its version."""

from __future__ import annotations

import json
import tomllib
from importlib import metadata

from helpers import ROOT
from packaging.requirements import Requirement
from packaging.version import Version

import engine

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def pins() -> dict[str, str]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    reqs = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    return {req.name: str(req.specifier).removeprefix("==") for req in reqs}


def installed_from_this_checkout() -> metadata.Distribution | None:
    """The installed mnist-tui when it was installed (editable or not) from this very folder, else None."""
    try:
        dist = metadata.distribution("mnist-tui")
    except metadata.PackageNotFoundError:
        return None
    origin = json.loads(dist.read_text("direct_url.json") or "{}").get("url")
    return dist if origin == ROOT.as_uri() else None


def test_the_version_is_written_once_and_installed_as_written():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "engine.__version__"}
    assert str(Version(engine.__version__)) == engine.__version__  # what setuptools will write, as written
    if (dist := installed_from_this_checkout()) is not None:
        assert dist.version == engine.__version__, "reinstall: pip install -e '.[test]' -c constraints.txt"


def test_constraints_pin_the_snapshot_libraries_and_they_are_installed():
    pinned = pins()
    assert {"textual", "rich", "plotext", "pytest-textual-snapshot", "syrupy"} <= set(pinned)
    installed = {name: metadata.version(name) for name in pinned}
    assert installed == pinned, "the venv differs from constraints.txt: pip install -e '.[test]' -c constraints.txt"


def test_the_pins_satisfy_the_declared_ranges():
    declared = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    declared += [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"]["test"]]
    pinned = pins()
    for req in declared:
        if req.name in pinned:
            assert req.specifier.contains(pinned[req.name]), (req, pinned[req.name])
