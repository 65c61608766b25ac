"""``make replay``: the multi-round replay (eeforecast.evaluation.multiround)."""

import sys

from eeforecast.evaluation.multiround import main

if __name__ == "__main__":
    sys.exit(main())
