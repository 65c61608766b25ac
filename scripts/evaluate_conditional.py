"""``make evaluate``: the conditional-cutoff evaluation (eeforecast.evaluation.conditional)."""

import sys

from eeforecast.evaluation.conditional import main

if __name__ == "__main__":
    sys.exit(main())
