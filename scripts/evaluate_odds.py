"""``make odds-backtest``: the rolling-origin backtest of the odds (eeforecast.evaluation.odds_backtest)."""

import sys

from eeforecast.evaluation.odds_backtest import main

if __name__ == "__main__":
    sys.exit(main())
