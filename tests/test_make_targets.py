"""The scripts the Makefile runs exist, start and take the options the Makefile gives them."""

import re
import subprocess
import sys

import pytest

from eeforecast import config

MAKEFILE = (config.ROOT / "Makefile").read_text(encoding="utf-8")
CALLS = re.findall(r"^\t\$\(PY\) ((?:scripts|benchmarks)/\S+\.py)(.*)$", MAKEFILE, re.MULTILINE)


def test_the_makefile_runs_scripts():
    names = {path for path, _ in CALLS}
    assert {"scripts/evaluate_conditional.py", "scripts/evaluate_replay.py"} <= names


@pytest.mark.parametrize(("path", "args"), CALLS, ids=[path for path, _ in CALLS])
def test_each_script_takes_the_makefile_options(path, args):
    run = subprocess.run(
        [sys.executable, str(config.ROOT / path), "--help"],
        capture_output=True,
        text=True,
        cwd=config.ROOT,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    for option in re.findall(r"--[a-z][a-z-]*", args):
        assert option in run.stdout, f"{path} has no {option}"
