"""The conftest guard: a skip is a failure unless its reason is listed, so a test that stops running
cannot pass for green. Run in a separate pytest over a temp folder holding a copy of the conftest."""

from __future__ import annotations

import shutil
import subprocess
import sys

from helpers import ROOT

TESTS = """
import pytest

pytest.importorskip("{missing}")
"""

CASES = """
import pytest

def test_skipped_in_the_body():
    pytest.skip("data not found")

@pytest.mark.skip(reason="marked to skip")
def test_marked():
    pass

def test_platform():
    pytest.skip("no /proc here")

def test_passes():
    pass
"""


def run_pytest(folder) -> subprocess.CompletedProcess:
    shutil.copy(ROOT / "tests" / "conftest.py", folder / "conftest.py")
    shutil.copy(ROOT / "tests" / "helpers.py", folder / "helpers.py")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", str(folder)],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=120,
    )


def test_unlisted_skips_fail_and_listed_ones_do_not(tmp_path):
    (tmp_path / "test_cases.py").write_text(CASES)
    done = run_pytest(tmp_path)
    assert done.returncode == 1, done.stdout
    assert "FAILED test_cases.py::test_skipped_in_the_body" in done.stdout
    assert "ERROR test_cases.py::test_marked" in done.stdout  # a skip mark acts in setup
    assert "unexpected skip" in done.stdout and "data not found" in done.stdout
    assert "1 passed, 1 skipped" in done.stdout  # the /proc skip is allowed


def test_a_module_skipped_at_import_fails(tmp_path):
    (tmp_path / "test_module.py").write_text(TESTS.format(missing="no_such_module_for_the_guard"))
    done = run_pytest(tmp_path)
    assert done.returncode != 0 and "unexpected skip" in done.stdout, done.stdout
