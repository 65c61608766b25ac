"""Each notebook executed top to bottom in a fresh kernel, as ``make test`` runs it.

A notebook is an analyst's first contact with the package, so its run time is a feature: every
notebook should run in under 2 minutes on 2 cores, and ``04-policy-scenarios`` (the three policy
questions on the bundled data: a plan of CEC and French rounds, the CEC size for a cutoff of 500,
a grid of sizes x cadences) in under one. The time includes the kernel's start and the package's
imports; the cache of fitted pool models is left as it is (warm after a first run).

Run ``python benchmarks/bench_notebooks.py`` (or ``make bench``).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from run_notebooks import execute  # noqa: E402

#: Targets [s] on 2 cores: the policy notebook, and every other one.
TARGET_POLICY_S = 60.0
TARGET_OTHER_S = 120.0


def main() -> int:
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        with tempfile.TemporaryDirectory(prefix="eeforecast-bench-nb-") as tmp:
            copy = Path(tmp) / path.name
            copy.write_bytes(path.read_bytes())  # run beside a copy: nothing lands in notebooks/
            start = time.perf_counter()
            execute(copy)
            elapsed = time.perf_counter() - start
        target = TARGET_POLICY_S if path.name.startswith("04-") else TARGET_OTHER_S
        print(f"{path.stem}: {elapsed:.1f} s (target {target:.0f} s)")
        print("BENCH " + json.dumps({
            "name": f"notebook {path.stem}, executed", "measured_s": elapsed, "target_s": target,
        }))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
