"""The README's two newcomer commands, and CI running the README's own test command verbatim."""

import re

from helpers import ROOT


def _two_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section, re.S)


def test_readme_has_a_launch_command_and_a_test_command():
    launch, test = _two_commands()
    assert launch.startswith("python3 -m venv .venv") and launch.endswith("mnist-tui")
    assert test.startswith("python3 -m venv .venv") and "pytest" in test


def test_ci_runs_the_readme_test_command():
    _, test = _two_commands()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci and "set -euo pipefail" in ci


def test_the_cli_examples_say_how_to_reach_mnist_tui():
    """The headless examples call `mnist-tui`: the README says to activate the venv or use its full path."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Headless use", 1)[1].split("\n## ", 1)[0]
    assert "source .venv/bin/activate" in section and ".venv/bin/mnist-tui" in section
    for verb in ("model RUN --out", "tensorboard RUN", "show RUN --csv"):
        assert verb in section
