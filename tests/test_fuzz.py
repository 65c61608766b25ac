"""Adversarial tests: hostile or careless input gives a valid result or one clear error line.

The rule, asserted for every case: **a valid result or one clear error line (exit status 2,
naming the file, round, field or argument), never a traceback or a hang**; no silent wrong answer
(each case's oracle, see :mod:`fuzz.feeds`); a failed run leaves no half-written file; ``update``
never loses the last good backup. No case is an expected failure.

The cases come from the seeded catalogues in ``tests/fuzz/`` (independent of the package's
internals: only ``eeforecast.cli.main(argv)`` and the command line are used).

Cost (about two minutes on two cores): the >= 1,000 mutated feeds run in-process through the
reading commands (``rounds``, ``pool``, ``pool --as-of``) in a few tests, each looping over a
class of cases and reporting every failing case in one assertion message; so do the argument
and schedule-content cases. Subprocesses only where a case needs one: a FIFO or a device (which
block or fill memory in C code), resource limits (a full disk), the local HTTPS server of
``update``, commands that write files. The expensive commands (``forecast``, ``simulate``,
``report``) run on a small sample marked ``slow``. ``tests/fuzz/explore.py`` runs the whole
catalogue (every case through every command) and writes ``docs/results/fuzz.md``.
"""

from __future__ import annotations

import collections
import dataclasses

import pytest
from fuzz import args as arg_cases
from fuzz import feeds, files, plan, updates, writing
from fuzz.runner import can_drop_privileges
from fuzz.sample import (
    EXPENSIVE_SAMPLE,
    FILE_EXPLORE_ONLY,
    FILE_INPROCESS,
    FILE_SUBPROCESS,
    N_RANDOM,
    REPORT_SAMPLE,
    SEED,
    UPDATE_SAMPLE,
)

FEED_CASES = feeds.catalogue(SEED, N_RANDOM)
ARG_CASES = arg_cases.catalogue()
FILE_CASES = files.catalogue()
UPDATE_CASES = {c.id: c for c in updates.catalogue()}
WRITE_CASES = {c.id: c for c in writing.catalogue()}
_BY_ID = {c.id: c for c in FEED_CASES}

#: Feed cases read through the command line too slowly for the suite (34,000 rounds: the
#: benchmark ``benchmarks/bench_volume.py`` times it).
FEEDS_EXPLORE_ONLY = {"volume/34000-rounds"}

#: Random variants per in-process test (so that the two workers share the work evenly).
CHUNK = 120


def _feed_groups() -> dict[str, list]:
    """Deterministic cases by class, the seeded random variants in chunks of :data:`CHUNK`."""
    groups: dict[str, list] = collections.defaultdict(list)
    randoms = []
    for case in FEED_CASES:
        if case.id in FEEDS_EXPLORE_ONLY:
            continue
        if case.id.startswith("random/"):
            randoms.append(case)
        else:
            groups[case.cls].append(case)
    for i in range(0, len(randoms), CHUNK):
        groups[f"random-{i // CHUNK}"] = randoms[i : i + CHUNK]
    return dict(groups)


FEED_GROUPS = _feed_groups()


def _feed_params():
    """Every deterministic case through ``rounds``, ``pool`` and ``pool --as-of``; the random
    variants (reformattings, shuffles and malformations, judged on the rows they change)
    through ``rounds`` and ``pool``."""
    out = []
    for group in FEED_GROUPS:
        commands = ("rounds", "pool") if group.startswith("random-") else plan.CHEAP
        out += [pytest.param(group, cmd, id=f"{group}-{cmd}") for cmd in commands]
    return out


def _failures(results) -> str:
    lines = [f"{cid}: {verdict.outcome}: {verdict.detail[:300]}" for cid, verdict in results]
    return f"{len(lines)} failing case(s):\n" + "\n".join(lines)


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
    in_tests = sum(len(cases) for cases in FEED_GROUPS.values())
    assert in_tests >= 1000, in_tests


def test_samples_name_existing_cases():
    missing = [cid for cid in EXPENSIVE_SAMPLE if cid not in _BY_ID]
    missing += [cid for cid in UPDATE_SAMPLE if cid not in UPDATE_CASES]
    missing += [cid for cid in REPORT_SAMPLE if cid not in WRITE_CASES]
    file_ids = {c.id for c in FILE_CASES}
    listed = FILE_SUBPROCESS + FILE_INPROCESS + FILE_EXPLORE_ONLY
    missing += [cid for cid in listed if cid not in file_ids]
    assert not missing, missing
    # every file case is run here or named as left to explore.py
    unlisted = [c.id for c in FILE_CASES if not c.inprocess_ok and c.id not in listed]
    assert not unlisted, unlisted


# --- mutated feeds ---------------------------------------------------------------------------


@pytest.mark.parametrize(("group", "command"), _feed_params())
def test_feeds(ws, group, command):
    failed = []
    for case in FEED_GROUPS[group]:
        verdict, res = plan.run_feed(ws, case, command, mode="inprocess")
        if not verdict.passed:
            failed.append((case.id, verdict))
    assert not failed, _failures(failed)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["forecast", "simulate"])
def test_feeds_expensive(ws, command):
    """A sample of the feeds through the commands that fit a pool and simulate (full feed)."""
    failed = []
    # a forecast takes 5-10 s: the shuffle (reading order) is judged by the cheap commands
    sample = [c for c in EXPENSIVE_SAMPLE if command != "forecast" or not c.startswith("order/")]
    for cid in sample:
        verdict, res = plan.run_feed(ws, _BY_ID[cid], command, mode="inprocess", timeout=240)
        if not verdict.passed:
            failed.append((cid, verdict))
    assert not failed, _failures(failed)


# --- arguments -------------------------------------------------------------------------------


def _arg_in_tests(case) -> bool:
    """Every argument case, except the runs of the expensive commands that succeed (each a
    whole forecast or backtest: explore.py runs them)."""
    command = case.argv[0] if case.argv else ""
    return case.oracle == "error" or command not in ("forecast", "backtest") or case.mention


ARGS_INPROCESS = collections.defaultdict(list)
ARGS_SUBPROCESS = []
for _case in ARG_CASES:
    if not _arg_in_tests(_case):
        continue
    if plan.arg_mode(_case) == "inprocess":
        ARGS_INPROCESS[_case.cls].append(_case)
    else:
        ARGS_SUBPROCESS.append(_case)


@pytest.mark.parametrize("cls", sorted(ARGS_INPROCESS))
def test_arguments(ws, cls):
    failed = []
    for case in ARGS_INPROCESS[cls]:
        verdict, res = plan.run_arg(ws, case)
        if not verdict.passed:
            failed.append((case.id, verdict))
    assert not failed, _failures(failed)


#: A heavy argument case must be refused (or finish) within this time [s].
ARG_TIME_LIMIT = 30.0


@pytest.mark.parametrize("case", ARGS_SUBPROCESS, ids=lambda c: c.id)
def test_argument_subprocess(ws, case):
    case = dataclasses.replace(case, timeout=min(case.timeout, ARG_TIME_LIMIT))
    verdict, res = plan.run_arg(ws, case)
    assert verdict.passed, _failures([(case.id, verdict)]) + f"\nstderr: {res.stderr[-800:]}"


# --- files -------------------------------------------------------------------------------------

_needs_privilege_drop = pytest.mark.skipif(
    not can_drop_privileges(), reason="root without setpriv: permissions cannot be made to bite"
)

FILES_INPROCESS = [c for c in FILE_CASES if c.inprocess_ok or c.id in FILE_INPROCESS]


def test_files_inprocess(ws):
    """Every schedule whose content alone is hostile (encodings, nesting, values, dates), and
    the files that cannot block (folders, missing files, symlink loops, /dev/null)."""
    failed = []
    for case in FILES_INPROCESS:
        verdict, res = plan.run_file(ws, case, mode="inprocess")
        if not verdict.passed:
            failed.append((case.id, verdict))
    assert not failed, _failures(failed)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c.id, marks=[_needs_privilege_drop] if c.unprivileged else [])
        for c in FILE_CASES
        if c.id in FILE_SUBPROCESS
    ],
)
def test_file_subprocess(ws, case):
    """Files that block or fill memory in C code: a FIFO, /dev/zero, a 3 GB sparse file."""
    verdict, res = plan.run_file(ws, case, timeout=min(case.timeout, 60))
    assert verdict.passed, _failures([(case.id, verdict)]) + f"\nstderr: {res.stderr[-800:]}"


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
        pytest.param(
            UPDATE_CASES[cid],
            id=cid,
            marks=[_needs_privilege_drop] if UPDATE_CASES[cid].unprivileged else [],
        )
        for cid in UPDATE_SAMPLE
    ],
)
def test_update(lab, case):
    the_lab, folder = lab
    verdict, res = updates.run_case(case, the_lab, folder)
    assert verdict.passed, _failures([(case.id, verdict)]) + f"\nstderr: {res.stderr[-800:]}"


# --- writing into folders that fail ------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c,
            id=c.id,
            marks=([_needs_privilege_drop] if c.unprivileged else [])
            + ([pytest.mark.slow] if c.expect != "refused" or c.fsize else []),
        )
        for c in WRITE_CASES.values()
        if c.command == "data" or c.id in REPORT_SAMPLE
    ],
)
def test_writing(case):
    verdict, res = writing.run_in_tempdir(case)
    assert verdict.passed, _failures([(case.id, verdict)]) + f"\nstderr: {res.stderr[-800:]}"
