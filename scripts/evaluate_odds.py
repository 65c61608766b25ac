"""``make odds-backtest``: the rolling-origin backtest of the odds (eeforecast.evaluation.odds_history)."""

import sys

from eeforecast.evaluation.odds_page import main

if __name__ == "__main__":
    sys.exit(main())
