"""Keras could run on other backends, but the engine has a compiled block loop and a gradient probe only
for TensorFlow and JAX: any other KERAS_BACKEND is refused in one line before Keras is imported."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT

SCRIPT = """
import sys
from engine.backend import import_keras
from engine.errors import MnistTuiError
try:
    import_keras()
except MnistTuiError as exc:
    print(exc, "keras" in sys.modules)
"""


def test_an_unsupported_backend_is_refused_before_keras_is_imported():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={"KERAS_BACKEND": "torch", "PATH": ""},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.stdout.strip() == "KERAS_BACKEND=torch: mnist-tui trains on tensorflow or jax False", done.stderr
