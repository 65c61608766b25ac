"""Adversarial tests: hostile or careless input gives a valid result or one clear error line.

The contract, asserted for every case: **a valid result or one clear error line (exit status 2,
naming the file, round, field or argument), never a traceback or a hang**; no silent wrong answer
(each case's oracle, see :mod:`fuzz.feeds`); a failed run leaves no half-written file; ``update``
never loses the last good backup.

The cases come from the seeded catalogues in ``tests/fuzz/`` (independent of the package's
internals: only ``eeforecast.cli.main(argv)`` and the command line are used). Runs that fail today
are listed in ``tests/fuzz/known_failures.json`` (written by ``tests/fuzz/explore.py
--write-known``) and marked ``xfail(strict=False)`` with their finding id (see
``/work/notes/fuzz_findings.md`` and :mod:`fuzz.findings`): the module is green now and turns
into a guard as the fixes land. A run that fails and is not listed is a regression.

Cost: the bulk (every mutated feed through ``rounds`` and ``pool``, the argument cases that must
be refused, schedule contents) runs in-process; subprocess cases and the expensive commands
(forecast, simulate, report) on a small sample are marked ``slow``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from fuzz import args as arg_cases
from fuzz import feeds, files, findings, plan, updates, writing
from fuzz.runner import can_drop_privileges
from fuzz.sample import EXPENSIVE_SAMPLE

SEED = 20251217
N_RANDOM = 700
KNOWN_PATH = Path(__file__).parent / "fuzz" / "known_failures.json"
KNOWN: dict[str, str] = json.loads(KNOWN_PATH.read_text()) if KNOWN_PATH.exists() else {}

FEED_CASES = feeds.catalogue(SEED, N_RANDOM)
ARG_CASES = arg_cases.catalogue()
FILE_CASES = files.catalogue()
UPDATE_CASES = updates.catalogue()
WRITE_CASES = {c.id: c for c in writing.catalogue()}

#: Update cases that run without the slow mark (the rest are slow).
UPDATE_CORE = {
    "update/replace/good-live-and-previous",
    "update/identical",
    "update/older/refused",
    "update/payload/corrupt",
    "update/payload/deep",
    "update/timeout/inf",
    "update/url/bad-ipv6",
    "update/local/live-corrupt-previous-good",
    "update/local/disk-full",
}

#: File cases left to explore.py (5-20 s each; their findings are guarded by a cheaper case:
#: dev-zero by files/source/dev-zero, the flood by rounds-10000).
FILES_EXPLORE_ONLY = {
    "files/schedule/dev-zero",
    "files/schedule/daily-to-2100",
    "files/schedule/to-2262",
    "files/schedule/rules-2000",
}

#: Heavy feed cases left to explore.py (reading 34,000 rounds takes 10-20 s).
FEEDS_EXPLORE_ONLY = {"volume/34000-rounds"}

#: Report cases of the writing catalogue run here (each runs the whole pipeline, ~15-30 s).
REPORT_SAMPLE = [
    "writing/report/out-is-file",
    "writing/report/disk-full-at-html",
]  # folder-vanishes (timing-dependent) and the other --out cases: explore.py


def _param(kind: str, command: str, case, *, slow: bool = False, extra=()):
    key = f"{kind}|{command}|{case.id}"
    marks = list(extra)
    if slow:
        marks.append(pytest.mark.slow)
    if key in KNOWN:
        fid = KNOWN[key]
        marks.append(pytest.mark.xfail(reason=f"{fid}: {findings.title(fid)}", strict=False))
    return pytest.param(case, id=f"{command}:{case.id}", marks=marks)


def _check(verdict, res, case) -> None:
    assert verdict.passed, (
        f"{case.id}: {verdict.outcome}: {verdict.detail}\n"
        f"argv: {res.argv[:8]}\nstatus {res.status}, {res.seconds:.1f} s\n"
        f"stderr (tail): {res.stderr[-1200:]}"
    )


@pytest.fixture(scope="module")
def ws():
    workspace = plan.Workspace()
    yield workspace
    workspace.cleanup()


# --- the catalogue itself --------------------------------------------------------------------


def test_catalogue_is_large_seeded_and_covers_every_class():
    assert len(FEED_CASES) >= 1000
    assert {c.cls for c in FEED_CASES} >= set(feeds.CLASSES)
    again = feeds.catalogue(SEED, N_RANDOM)
    assert [c.id for c in again] == [c.id for c in FEED_CASES]
    for a, b in list(zip(FEED_CASES, again, strict=True))[::97]:
        if not a.heavy:
            assert a.payload() == b.payload(), a.id
    assert all(c.oracle in feeds.ORACLES for c in FEED_CASES)


def test_known_failures_name_existing_cases_and_findings():
    ids = (
        {f"feeds|{cmd}|{c.id}" for c in FEED_CASES for cmd in (*plan.CHEAP, *plan.EXPENSIVE)}
        | {f"args|{c.argv[0] if c.argv else ''}|{c.id}" for c in ARG_CASES}
        | {f"files|{c.argv('x', 'y')[0]}|{c.id}" for c in FILE_CASES}
        | {f"updates|update|{c.id}" for c in UPDATE_CASES}
        | {f"writing|{c.command}|{c.id}" for c in WRITE_CASES.values()}
    )  # fmt: skip
    stale = sorted(set(KNOWN) - ids)
    assert not stale, f"known_failures.json names cases that no longer exist: {stale[:5]}"
    unnamed = sorted({fid for fid in KNOWN.values() if findings.title(fid) == "(unclassified)"})
    assert not unnamed, f"findings without a title: {unnamed[:5]}"


# --- mutated feeds ---------------------------------------------------------------------------


def _cheap_commands(case) -> tuple[str, ...]:
    """Every feed goes through ``rounds``; the deterministic ones also through ``pool`` and
    ``pool-as-of`` (the random variants are reformattings, shuffles and malformations that
    ``rounds`` already judges; explore.py runs them through all three)."""
    return ("rounds",) if case.id.startswith("random/") else plan.CHEAP


@pytest.mark.parametrize(
    "case",
    [_param("feeds", cmd, c) for c in FEED_CASES if not c.heavy for cmd in _cheap_commands(c)],
)
def test_feed_rounds_and_pool(ws, case, request):
    command = request.node.callspec.id.split(":", 1)[0]
    verdict, res = plan.run_feed(ws, case, command)
    _check(verdict, res, case)


@pytest.mark.parametrize(
    "case",
    [
        _param("feeds", "rounds", c, slow=True)
        for c in FEED_CASES
        if c.heavy and c.id not in FEEDS_EXPLORE_ONLY
    ],
)
def test_heavy_feed_rounds(ws, case):
    verdict, res = plan.run_feed(ws, case, "rounds", timeout=120)
    _check(verdict, res, case)


_BY_ID = {c.id: c for c in FEED_CASES}


@pytest.mark.parametrize(
    "case",
    [
        _param("feeds", cmd, _BY_ID[cid], slow=True)
        for cid in EXPENSIVE_SAMPLE
        for cmd in ("forecast", "simulate")
    ],
)
def test_feed_forecast_and_simulate(ws, case, request):
    command = request.node.callspec.id.split(":", 1)[0]
    verdict, res = plan.run_feed(ws, case, command, timeout=180)
    _check(verdict, res, case)


# --- arguments -------------------------------------------------------------------------------


def _arg_slow(case) -> bool:
    return case.heavy or case.subprocess_only or case.oracle != "error"


def _arg_in_tests(case) -> bool:
    """Every argument that must be refused, every case of the cheap commands and every case
    failing today; the other valid-result runs of the expensive commands (each a whole forecast
    or backtest) are left to explore.py."""
    key = f"args|{case.argv[0] if case.argv else ''}|{case.id}"
    if case.id == "args/simulate/paths/int64":
        return False  # the same hang as paths/1e8
    return (
        case.oracle == "error"
        or (case.argv and case.argv[0] in ("rounds", "pool", "data", "update", "simulate"))
        or key in KNOWN
    )


#: A run that must be refused or finish: 10 s is ample (the slowest valid run here takes ~8 s).
ARG_TIME_LIMIT = 10.0


@pytest.mark.parametrize(
    "case",
    [
        _param("args", c.argv[0] if c.argv else "", c, slow=_arg_slow(c))
        for c in ARG_CASES
        if _arg_in_tests(c)
    ],
)
def test_argument(ws, case):
    if case.timeout > ARG_TIME_LIMIT and case.heavy:
        case = dataclasses.replace(case, timeout=ARG_TIME_LIMIT)
    verdict, res = plan.run_arg(ws, case)
    _check(verdict, res, case)


# --- files -------------------------------------------------------------------------------------

_needs_privilege_drop = pytest.mark.skipif(
    not can_drop_privileges(), reason="root without setpriv: permissions cannot be made to bite"
)


@pytest.mark.parametrize(
    "case",
    [
        _param(
            "files",
            c.argv("x", "y")[0],
            c,
            slow=plan.file_mode(c) == "subprocess",
            extra=[_needs_privilege_drop] if c.unprivileged else [],
        )
        for c in FILE_CASES
        if not c.heavy and c.id not in FILES_EXPLORE_ONLY
    ],
)
def test_file(ws, case):
    # a FIFO would block forever: 5 s is ample for a command that takes 1 s
    limit = 5 if case.id.endswith("/fifo") else min(case.timeout, 60)
    verdict, res = plan.run_file(ws, case, timeout=limit)
    _check(verdict, res, case)


# --- update against a local HTTPS server -----------------------------------------------------


@pytest.fixture(scope="module")
def lab():
    if not updates.openssl_available():
        pytest.skip("openssl is needed to make the local server's certificate")
    with updates.lab_in_tempdir() as (the_lab, folder):
        yield the_lab, folder


@pytest.mark.parametrize(
    "case",
    [
        _param(
            "updates",
            "update",
            c,
            slow=c.id not in UPDATE_CORE,
            extra=[_needs_privilege_drop] if c.unprivileged else [],
        )
        for c in UPDATE_CASES
    ],
)
def test_update(lab, case):
    the_lab, folder = lab
    verdict, res = updates.run_case(case, the_lab, folder)
    _check(verdict, res, case)


# --- writing into folders that fail ------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        _param(
            "writing",
            c.command,
            c,
            slow=c.command == "report",
            extra=[_needs_privilege_drop] if c.unprivileged else [],
        )
        for c in WRITE_CASES.values()
        if c.command == "data" or c.id in REPORT_SAMPLE
    ],
)
def test_writing(case):
    verdict, res = writing.run_in_tempdir(case)
    _check(verdict, res, case)
