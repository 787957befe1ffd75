"""Key latency while an epoch runs: in the real app (Textual run_test/Pilot, the real KerasTrainer on
60,000 synthetic images), escape (Training -> Home) and w (Home -> Training) alternate mid-epoch; each is
timed from the key event to the new screen painted. The same presses with nothing training give the UI's
own cost. Target: every key answered within 100 ms while an epoch runs.

    .venv/bin/python -m bench.keys [--presses 12] [--runs 2]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import PYTHON, machine, median, run_json, write_synthetic_npz

TARGET_MS = 100


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--presses", type=int, default=12)
    ap.add_argument("--runs", type=int, default=2, help="fresh app processes")
    args = ap.parse_args()
    training, idle = [], []
    with tempfile.TemporaryDirectory() as tmp:
        npz = write_synthetic_npz(Path(tmp))
        for r in range(args.runs):
            store = str(Path(tmp) / f"runs-{r}.sqlite3")
            out = run_json([PYTHON, "-m", "bench.tui_probe", "keys", str(npz), str(args.presses), store])
            training += out["training"]
            idle += out["idle"]
    print(f"key -> new screen painted, on {machine()} (Pilot, headless app, real trainer)")
    for label, rows in (("while an epoch runs", training), ("nothing training", idle)):
        ms = [r["ms"] for r in rows]
        switch = [r["switch_ms"] for r in rows]
        mid = sum(r["mid_epoch"] for r in rows)
        print(
            f"  {label:<20} median {median(ms):5.0f} ms  worst {max(ms):5.0f} ms  (screen switched: median "
            f"{median(switch):.0f}, worst {max(switch):.0f} ms; {len(ms)} presses, {mid} mid-epoch)"
        )
    worst = max(r["ms"] for r in training)
    ratio = worst / TARGET_MS
    print(f"RATIO worst key latency while training / target = {ratio:.2f} ({worst:.0f} ms vs {TARGET_MS} ms)")
    raise SystemExit(0 if worst <= TARGET_MS else 1)


if __name__ == "__main__":
    main()
