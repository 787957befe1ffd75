"""Facts kept in one place: the MNIST sizes and validation share (engine/mnist.py), the preset ids of the
exercise's parts (engine/rules.py) and the seeds-per-net bound (engine/repeats.py). A copy written out
elsewhere drifts the day the fact changes, so the sources are read for literal copies."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from engine import data, mnist
from engine.spec import NetworkSpec

ROOT = Path(__file__).resolve().parent.parent


def sources(*skip: str) -> dict[str, str]:
    files = [*(ROOT / "engine").rglob("*.py"), *(ROOT / "tui").rglob("*.py")]
    return {str(p.relative_to(ROOT)): p.read_text() for p in files if str(p.relative_to(ROOT)) not in skip}


def test_the_validation_share_and_the_split_sizes_are_read_from_engine_mnist():
    assert NetworkSpec.model_fields["validation_fraction"].default == mnist.VALIDATION_FRACTION
    for loader in (data.make_splits, data.load_splits):
        assert inspect.signature(loader).parameters["validation_fraction"].default == mnist.VALIDATION_FRACTION
    assert "1/6" in NetworkSpec.model_fields["validation_fraction"].description
    assert mnist.is_sample(50_000, 10_000, 9_999) and not mnist.is_sample(50_000, 10_000, 10_000)


@pytest.mark.parametrize("pattern", [r"\b1 / 6\b", r"\b60_000\b", r"\(1-50\)"])
def test_no_copy_of_an_mnist_number_or_a_bound(pattern):
    copies = [path for path, text in sources("engine/mnist.py").items() if re.search(pattern, text)]
    assert not copies, f"{pattern} written out in {copies}"


def _strings(text: str) -> set[str]:
    """Every string constant of a module but its docstrings (examples in prose are no second home)."""
    import ast

    tree = ast.parse(text)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    }


def test_the_exercise_preset_ids_are_written_only_in_engine_rules():
    from engine.answers import PART_THREE_NOTES
    from engine.rules import PARTS

    allowed = {"engine/answers/build.py": {PART_THREE_NOTES.key}}  # a stored note key spelt like the slot
    copies = {
        path: found
        for path, text in sources("engine/rules.py").items()
        if (found := (_strings(text) & set(PARTS)) - allowed.get(path, set()))
    }
    assert not copies


def test_the_app_name_is_written_once():
    """Lines on stderr name the app through engine.paths.APP, never a copy of its name (nor an alias)."""
    copies = [path for path, text in sources("engine/paths.py").items() if re.search(r"\"mnist-tui: |\bPROG\b", text)]
    assert not copies
