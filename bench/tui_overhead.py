"""TUI overhead: the same part1-large run (60,000 synthetic MNIST-shaped images, --data npz) trained from
the TUI (the real app via Textual's run_test/Pilot, training screen and charts live) and from the headless
CLI (`mnist-tui train part1-large --json`), interleaved. Target: TUI within 5% of the CLI.

    .venv/bin/python -m bench.tui_overhead [--rounds 3] [--epochs 4]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

from bench.common import INTERLEAVE_NOTE, PYTHON, ROOT, interleave, machine, median, run_json, write_synthetic_npz

TARGET = 1.05


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=4, help="per process; the first is compilation, not counted")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        npz = write_synthetic_npz(Path(tmp))
        count = iter(range(10_000))

        def run_one(name: str) -> list[float]:
            store = str(Path(tmp) / f"runs-{next(count)}.sqlite3")
            if name == "tui":
                out = run_json([PYTHON, "-m", "bench.tui_probe", "train", str(npz), str(args.epochs), store])
                return out["seconds"][1:]
            cmd = [PYTHON, "-m", "tui.cli", "train", "part1-large", "--data", str(npz), "--epochs", str(args.epochs)]
            proc = subprocess.run([*cmd, "--store", store, "--json"], cwd=ROOT, capture_output=True, text=True)
            if proc.returncode != 0:
                raise SystemExit(f"CLI run failed: {proc.stderr.strip()[-2000:]}")
            events = [json.loads(line) for line in proc.stdout.splitlines()]
            return [e["seconds"] for e in events if e["event"] == "epoch"][1:]

        print(f"TUI overhead on {machine()}; {INTERLEAVE_NOTE}")
        results = interleave(["cli", "tui"], args.rounds, run_one)
    cli = median([s for run in results["cli"] for s in run])
    tui = median([s for run in results["tui"] for s in run])
    print(f"median s/epoch: headless CLI {cli:.3f}, TUI {tui:.3f} ({sum(map(len, results['tui']))} epochs each)")
    ratio = tui / cli
    print(f"RATIO tui / cli = {ratio:.3f} (target <= {TARGET}) {'ok' if ratio <= TARGET else 'MISSED'}")
    raise SystemExit(0 if ratio <= TARGET else 1)


if __name__ == "__main__":
    main()
