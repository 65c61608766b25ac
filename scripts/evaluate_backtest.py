"""``make backtest``: the rolling-origin backtest of the forecasts (eeforecast.evaluation.backtest)."""

import sys

from eeforecast.evaluation.backtest import main

if __name__ == "__main__":
    sys.exit(main())
