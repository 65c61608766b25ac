"""The stages call only the stages before them: no import points backwards."""

from __future__ import annotations

import ast
from pathlib import Path

import eeforecast

#: Stage rank of each subpackage or top-level module: data, pool, simulate, forecast, the
#: products built on a forecast, evaluation, report, cli.
RANK = {
    "data": 0,
    "pool": 1,
    "simulate": 2,
    "forecast": 3,
    "projection": 4,
    "odds": 4,
    "backlog": 4,
    "scenarios": 4,
    "profile_odds": 4,
    "evaluation": 5,
    "report": 6,
    "cli": 7,
}
ROOT = Path(eeforecast.__file__).parent


def imported_stages(path: Path) -> list[tuple[int, str]]:
    """The eeforecast stages ``path`` imports (relative and absolute), with their line."""
    here = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here[: len(here) - (node.level - 1)]
            mods = (
                [base + node.module.split(".")]
                if node.module
                else [base + [a.name] for a in node.names]
            )
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("eeforecast."):
            mods = [node.module.split(".")[1:]]
        elif isinstance(node, ast.Import):
            mods = [a.name.split(".")[1:] for a in node.names if a.name.startswith("eeforecast.")]
        else:
            continue
        out += [(node.lineno, m[0]) for m in mods if m]
    return out


def test_no_stage_imports_a_later_stage():
    backward = []
    for path in sorted(ROOT.rglob("*.py")):
        stage = path.relative_to(ROOT).with_suffix("").parts[0]
        if stage not in RANK:
            continue
        for line, target in imported_stages(path):
            if RANK.get(target, -1) > RANK[stage]:
                backward.append(f"{path.relative_to(ROOT)}:{line} {stage} -> {target}")
    assert backward == []
