"""`python -m engine.worker --store PATH [--slots N] [--cluster ADDRESS]`: the detached worker process."""

import sys

from engine.worker.process import main

if __name__ == "__main__":
    sys.exit(main())
