"""Start-up: `mnist-tui --help`, `--version` and `presets` against `python -c "import tensorflow"`, and the
TUI's first frame (the real app in a fresh process, headless via Textual's run_test: from process start
to Home painted). Interleaved, medians. Targets: the commands well under half of
the TensorFlow import; the first frame within 1.5 s.

    .venv/bin/python -m bench.startup [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import INTERLEAVE_NOTE, PYTHON, ROOT, interleave, machine, median, run_json

MNIST_TUI = str(Path(PYTHON).with_name("mnist-tui"))
COMMANDS = {
    "import tensorflow": [PYTHON, "-c", "import tensorflow"],
    "mnist-tui --help": [MNIST_TUI, "--help"],
    "mnist-tui --version": [MNIST_TUI, "--version"],
    "mnist-tui presets": [MNIST_TUI, "presets"],
}
FIRST_FRAME = "TUI first frame"
CLI_TARGET, FRAME_TARGET_S = 0.5, 1.5


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    with tempfile.TemporaryDirectory() as tmp:
        env["MNIST_TUI_CONFIG"] = tmp  # no user presets to read: the same work every time

        def run_one(name: str) -> float:
            if name == FIRST_FRAME:
                t0 = time.time()
                out = run_json([PYTHON, "-m", "bench.tui_probe", "first-frame", str(Path(tmp) / "runs.sqlite3")])
                return out["painted_at"] - t0
            t0 = time.perf_counter()
            subprocess.run(COMMANDS[name], cwd=ROOT, env=env, capture_output=True, check=True)
            return time.perf_counter() - t0

        print(f"start-up on {machine()}; {INTERLEAVE_NOTE}")
        results = interleave([*COMMANDS, FIRST_FRAME], args.rounds, run_one)
    base = median(results["import tensorflow"])
    for name, times in results.items():
        print(f"  {name:<22} median {median(times):6.3f} s  ({median(times) / base:.2f}x import tensorflow)")
    ok = True
    for name in ("mnist-tui --help", "mnist-tui --version", "mnist-tui presets"):
        ratio = median(results[name]) / base
        ok &= ratio <= CLI_TARGET
        print(f"RATIO {name} / import tensorflow = {ratio:.2f} (target <= {CLI_TARGET})")
    frame = median(results[FIRST_FRAME])
    ok &= frame <= FRAME_TARGET_S
    print(f"RATIO TUI first frame / {FRAME_TARGET_S} s target = {frame / FRAME_TARGET_S:.2f} ({frame:.3f} s)")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
