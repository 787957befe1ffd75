"""How soon training lets go when asked: q in the TUI while a run trains in the worker (the app is gone, the
run trains on), and Ctrl+C on a foreground `mnist-tui train` (the process has stored its epochs as cancelled
and exited). Full-size synthetic data, the real trainer, timed from the key or signal to the exit. Targets:
the TUI gone within 1 s, the foreground train stopped within 8 s (it finishes the block it is in).

    .venv/bin/python -m bench.stop [--runs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from bench.common import PYTHON, machine, median, run_json, write_synthetic_npz

QUIT_TARGET_S = 1.0
CTRL_C_TARGET_S = 8.0


def ctrl_c_seconds(npz: Path, store: Path, env: dict[str, str]) -> float:
    """Start `train part1-large`, send SIGINT once its second epoch is stored, time the exit."""
    env = {**env, "MNIST_TUI_STORE": str(store)}
    cmd = [PYTHON, "-m", "tui.cli", "train", "part1-large", "--data", str(npz), "--json", "--epochs", "50"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        epochs = 0
        while epochs < 2:
            line = proc.stdout.readline()
            if not line:
                raise SystemExit("the training ended before its second epoch")
            epochs += json.loads(line)["event"] == "epoch"
        asked = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=120)
        return time.perf_counter() - asked
    finally:
        proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=2, help="fresh processes of each")
    args = ap.parse_args()
    quits, stops = [], []
    with tempfile.TemporaryDirectory() as tmp:
        npz = write_synthetic_npz(Path(tmp))
        env = {**os.environ, "XDG_STATE_HOME": str(Path(tmp) / "state")}
        for r in range(args.runs):  # interleaved, so background load hits both alike
            store = Path(tmp) / f"tui-{r}.sqlite3"
            quits.append(run_json([PYTHON, "-m", "bench.tui_probe", "quit", str(npz), str(store)], env)["seconds"])
            stops.append(ctrl_c_seconds(npz, Path(tmp) / f"cli-{r}.sqlite3", env))
    print(f"asked to stop -> gone, on {machine()} (real trainer, full-size synthetic data)")
    print(f"  q in the TUI, a run training   median {median(quits):.2f} s  worst {max(quits):.2f} s")
    print(f"  Ctrl+C on a foreground train   median {median(stops):.2f} s  worst {max(stops):.2f} s")
    print(f"RATIO quit_worst/target {max(quits) / QUIT_TARGET_S:.2f}")
    print(f"RATIO ctrl_c_worst/target {max(stops) / CTRL_C_TARGET_S:.2f}")
    if max(quits) > QUIT_TARGET_S or max(stops) > CTRL_C_TARGET_S:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
