"""Run the whole adversarial catalogue and report counts by class x outcome.

Usage (from the checkout, with the project's environment)::

    .venv/bin/python tests/fuzz/explore.py                       # everything, 2 processes
    .venv/bin/python tests/fuzz/explore.py --only feeds --expensive none
    .venv/bin/python tests/fuzz/explore.py --write-results       # docs/results/fuzz.md
    .venv/bin/python tests/fuzz/explore.py --dump numbers/drawSize/comma-2/newest > /tmp/f.json

Writes ``--results`` (one JSON record per run) and ``--summary`` (markdown: counts, and the
failures grouped by signature with an example each). Nothing is written in the checkout except
``docs/results/fuzz.md`` with ``--write-results`` (the counts by class x outcome).
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # "tests/" so that ``fuzz`` imports as a package

from fuzz import args as arg_cases  # noqa: E402
from fuzz import feeds, files, findings, plan, updates, writing  # noqa: E402
from fuzz.runner import OUTCOMES  # noqa: E402
from fuzz.sample import N_RANDOM, SEED  # noqa: E402

RESULTS = HERE.parents[1] / "docs" / "results" / "fuzz.md"

_STATE: dict = {}


def _init(seed: int, n_random: int, root: str) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    _STATE["ws"] = plan.Workspace(Path(tempfile.mkdtemp(dir=root)))
    _STATE["feeds"] = {c.id: c for c in feeds.catalogue(seed, n_random)}
    _STATE["args"] = {c.id: c for c in arg_cases.catalogue()}
    _STATE["files"] = {c.id: c for c in files.catalogue()}


def _record(kind, case, command, mode, verdict, res) -> dict:
    return {
        "kind": kind,
        "cls": case.cls if kind != "args" else case.cls,
        "id": case.id,
        "command": command,
        "mode": mode,
        "oracle": getattr(case, "oracle", getattr(case, "expect", "")),
        "outcome": verdict.outcome,
        "detail": verdict.detail,
        "status": res.status,
        "seconds": round(res.seconds, 2),
        "argv": [a if len(a) < 200 else a[:60] + f"...({len(a)} chars)" for a in res.argv],
        "stderr_tail": res.stderr[-1500:],
        "stdout_head": res.stdout[:300],
        "warnings": len(res.warnings),
    }


def _task(kind: str, cid: str, command: str) -> dict:
    ws = _STATE["ws"]
    try:
        if kind == "feeds":
            case = _STATE["feeds"][cid]
            verdict, res = plan.run_feed(ws, case, command)
            return _record(kind, case, command, plan.feed_mode(case, command), verdict, res)
        if kind == "args":
            case = _STATE["args"][cid]
            verdict, res = plan.run_arg(ws, case)
            return _record(kind, case, case.argv[0] if case.argv else "", plan.arg_mode(case),
                           verdict, res)  # fmt: skip
        case = _STATE["files"][cid]
        verdict, res = plan.run_file(ws, case)
        return _record(kind, case, case.argv("X", "Y")[0], plan.file_mode(case), verdict, res)
    except Exception as exc:  # a harness bug: say so, keep going
        return {"kind": kind, "cls": "harness", "id": cid, "command": command, "mode": "?",
                "oracle": "", "outcome": "harness-error", "detail": f"{type(exc).__name__}: {exc}",
                "status": None, "seconds": 0, "argv": [], "stderr_tail": "", "stdout_head": "",
                "warnings": 0}  # fmt: skip


def _expensive_sample(cases: list, mode: str) -> list:
    """The feed cases that also go through forecast and simulate: ``sample`` is the test
    module's sample and the volume cases; ``all`` every deterministic case."""
    if mode == "none":
        return []
    fixed = [c for c in cases if not c.id.startswith("random/")]
    if mode == "all":
        return fixed
    from fuzz.sample import EXPENSIVE_SAMPLE

    return [c for c in fixed if c.id in EXPENSIVE_SAMPLE or c.cls == "volume"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--random", type=int, default=N_RANDOM, help="seeded random feed variants")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--only", default="feeds,args,files,updates,writing")
    p.add_argument("--expensive", choices=["none", "sample", "all"], default="sample",
                   help="which feed cases also go through forecast and simulate")  # fmt: skip
    p.add_argument("--results", default="/tmp/eefuzz-results.jsonl")
    p.add_argument("--summary", default="/tmp/eefuzz-summary.md")
    p.add_argument(
        "--write-results", action="store_true", help="write the counts to docs/results/fuzz.md"
    )
    p.add_argument("--ids", metavar="REGEX", help="run only the cases whose id matches")
    p.add_argument(
        "--merge",
        metavar="JSONL",
        action="append",
        default=[],
        help="add the records of an earlier run (kinds/commands not rerun here)",
    )
    p.add_argument("--dump", metavar="CASE_ID", help="print a feed case's payload and exit")
    p.add_argument("--base", default="small", help="base of --dump (small or full)")
    opts = p.parse_args(argv)

    if opts.dump:
        case = {c.id: c for c in feeds.catalogue(opts.seed, opts.random)}[opts.dump]
        sys.stdout.buffer.write(case.payload(opts.base))
        return 0

    only = set(opts.only.split(","))
    start = time.monotonic()
    records: list[dict] = []
    tasks = []
    feed_cases = feeds.catalogue(opts.seed, opts.random)
    if "feeds" in only:
        for case in _expensive_sample(feed_cases, opts.expensive):
            tasks += [("feeds", case.id, "forecast"), ("feeds", case.id, "simulate")]
        for case in feed_cases:
            tasks += [("feeds", case.id, cmd) for cmd in plan.CHEAP]
    if "files" in only:
        tasks = [("files", c.id, "") for c in files.catalogue()] + tasks
    if "args" in only:
        tasks = [("args", c.id, "") for c in arg_cases.catalogue()] + tasks
    if opts.ids:
        tasks = [t for t in tasks if re.search(opts.ids, t[1])]
    print(f"{len(tasks)} runs in {opts.jobs} processes", file=sys.stderr, flush=True)
    out = open(opts.results, "w")
    ctx = multiprocessing.get_context("fork")
    done = 0
    root = tempfile.mkdtemp(prefix="eefuzz-explore-", dir="/tmp")  # the workers' workspaces
    os.chmod(root, 0o755)
    if tasks:
        with ProcessPoolExecutor(opts.jobs, mp_context=ctx, initializer=_init,
                                 initargs=(opts.seed, opts.random, root)) as ex:  # fmt: skip
            futures = [ex.submit(_task, *t) for t in tasks]
            for fut in as_completed(futures):
                rec = fut.result()
                records.append(rec)
                out.write(json.dumps(rec) + "\n")
                done += 1
                if done % 200 == 0:
                    print(f"  {done}/{len(tasks)} ({time.monotonic() - start:.0f} s)",
                          file=sys.stderr, flush=True)  # fmt: skip
    shutil.rmtree(root, ignore_errors=True)
    if "updates" in only:
        if updates.openssl_available():
            with updates.lab_in_tempdir() as (lab, folder):

                def one(case):
                    verdict, res = updates.run_case(case, lab, folder)
                    return _record("updates", case, "update", "subprocess", verdict, res)

                with ThreadPoolExecutor(opts.jobs) as ex:
                    chosen = [c for c in updates.catalogue()
                              if not opts.ids or re.search(opts.ids, c.id)]  # fmt: skip
                    for rec in ex.map(one, chosen):
                        records.append(rec)
                        out.write(json.dumps(rec) + "\n")
        else:
            print("openssl missing: update cases skipped", file=sys.stderr)
    if "writing" in only:

        def one_w(case):
            verdict, res = writing.run_in_tempdir(case)
            return _record("writing", case, case.command, "subprocess", verdict, res)

        with ThreadPoolExecutor(opts.jobs) as ex:
            chosen_w = [c for c in writing.catalogue() if not opts.ids or re.search(opts.ids, c.id)]
            for rec in ex.map(one_w, chosen_w):
                records.append(rec)
                out.write(json.dumps(rec) + "\n")
    out.close()
    elapsed = time.monotonic() - start
    seen = {key(r) for r in records}
    for path in opts.merge:
        for line in open(path):
            rec = json.loads(line)
            if key(rec) not in seen and rec.get("outcome") != "harness-error":
                records.append(rec)
                seen.add(key(rec))
    for rec in records:
        rec["finding"] = findings.classify(rec)
    text = summary(records, elapsed, opts)
    Path(opts.summary).write_text(text)
    print(text.split("\n## Failures")[0])
    print(f"results: {opts.results}\nsummary: {opts.summary}")
    if opts.write_results:
        RESULTS.write_text(results_page(records, elapsed, opts))
        print(f"wrote {RESULTS}")
    return 0


def key(rec: dict) -> str:
    """The key of a run in known_failures.json."""
    return f"{rec['kind']}|{rec['command']}|{rec['id']}"


def signature(rec: dict) -> str:
    detail = rec["detail"]
    if rec["outcome"] == "traceback":
        exc, _, where = detail.partition(" @ ")
        exc = exc.split(":")[0]
        return f"traceback: {exc} @ {where}"
    if rec["outcome"] == "hang":
        return f"hang: {rec['command']}"
    detail = re.sub(r"/tmp/\S+", "<path>", detail)
    detail = re.sub(r"\d[\d,.]*", "N", detail)
    return f"{rec['outcome']}: {detail[:110]}"


def _table(records: list[dict], keyf, outcomes: list[str]) -> list[str]:
    table = collections.defaultdict(collections.Counter)
    for r in records:
        k = keyf(r)
        if k is not None:
            table[k][r["outcome"]] += 1
    lines = ["| | " + " | ".join(outcomes) + " | total |", "|---|" + "---:|" * (len(outcomes) + 1)]
    for k in sorted(table):
        row = table[k]
        lines.append(
            f"| {k} | " + " | ".join(str(row.get(o, "")) for o in outcomes)
            + f" | {sum(row.values())} |"
        )  # fmt: skip
    total = collections.Counter(r["outcome"] for r in records if keyf(r) is not None)
    lines.append(
        "| **total** | " + " | ".join(str(total.get(o, "")) for o in outcomes)
        + f" | {sum(total.values())} |"
    )  # fmt: skip
    return lines


def _class(r: dict) -> str:
    return f"{r['kind']}:{r['cls']}" if r["kind"] == "feeds" else r["cls"]


def results_page(records: list[dict], elapsed: float, opts) -> str:
    """``docs/results/fuzz.md``: the run's counts by class x outcome and by command."""
    outcomes = [o for o in OUTCOMES if any(r["outcome"] == o for r in records) or o in PASS]
    outcomes += sorted({r["outcome"] for r in records} - set(OUTCOMES))
    n_feeds = len({r["id"] for r in records if r["kind"] == "feeds"})
    fails = [r for r in records if r["outcome"] not in PASS]
    lines = [
        "# Adversarial input (fuzz) results",
        "",
        "Written by `python tests/fuzz/explore.py --write-results` (do not edit by hand). The",
        "rule for every run: a valid result (`ok`) or one clear error line with exit status 2",
        "(`clean-error`); anything else is a failure (see {doc}`/methods/robustness`).",
        "",
        f"Run of {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, the bundled feed of "
        f"{feeds.bundled_path().name.removeprefix('ee_rounds_snapshot_').removesuffix('.json')} "
        "as the base of every mutation.",
        "",
        f"{len(records):,} runs: {n_feeds:,} mutated feeds (seed {opts.seed}, "
        f"{opts.random} random variants) through the reading commands (`rounds`, `pool`, "
        "`pool --as-of`) and a sample through `forecast` and `simulate`; bad arguments of every "
        "subcommand; hostile files; `update` against a local HTTPS server; writes into failing "
        f"folders. {len(fails)} failure(s).",
        "",
        "## By class x outcome",
        "",
        *_table(records, _class, outcomes),
        "",
        "## By feed command x outcome",
        "",
        *_table(records, lambda r: r["command"] if r["kind"] == "feeds" else None, outcomes),
        "",
    ]
    if fails:
        lines += ["## Failures", ""]
        lines += [f"- `{r['id']}` ({r['command']}): {r['outcome']}: {r['detail'][:200]}"
                  for r in fails]  # fmt: skip
        lines.append("")
    return "\n".join(lines)


PASS = ("ok", "clean-error")


def summary(records: list[dict], elapsed: float, opts) -> str:
    lines = ["# eeforecast fuzz run", "",
             f"{len(records)} runs in {elapsed:.0f} s on {opts.jobs} processes "
             f"(seed {opts.seed}, {opts.random} random feed variants).", ""]  # fmt: skip
    outcomes = [o for o in OUTCOMES if any(r["outcome"] == o for r in records)]
    outcomes += sorted({r["outcome"] for r in records} - set(OUTCOMES))
    for title, keyf in [("kind x outcome", lambda r: r["kind"]),
                        ("class x outcome", lambda r: f"{r['kind']}:{r['cls']}"
                         if r["kind"] == "feeds" else r["cls"]),
                        ("command x outcome (feeds)", lambda r: r["command"]
                         if r["kind"] == "feeds" else None)]:  # fmt: skip
        table = collections.defaultdict(collections.Counter)
        for r in records:
            k = keyf(r)
            if k is not None:
                table[k][r["outcome"]] += 1
        lines += [f"## {title}", "", "| | " + " | ".join(outcomes) + " | total |",
                  "|---|" + "---:|" * (len(outcomes) + 1)]  # fmt: skip
        for k in sorted(table):
            row = table[k]
            lines.append(f"| {k} | " + " | ".join(str(row.get(o, "")) for o in outcomes)
                         + f" | {sum(row.values())} |")  # fmt: skip
        total = collections.Counter(r["outcome"] for r in records if keyf(r) is not None)
        lines.append("| **total** | " + " | ".join(str(total.get(o, "")) for o in outcomes)
                     + f" | {sum(total.values())} |")  # fmt: skip
        lines.append("")
    fails = [r for r in records if r["outcome"] not in ("ok", "clean-error")]
    by_finding = collections.defaultdict(list)
    for r in fails:
        by_finding[r["finding"]].append(r)
    lines += ["## Failures by finding", ""]
    for fid in sorted(by_finding, key=lambda f: (f.startswith("NEW"), f)):
        group = by_finding[fid]
        kinds = collections.Counter(f"{r['kind']}:{r['command']}" for r in group)
        lines.append(f"### {fid} — {len(group)} runs ({len({r['id'] for r in group})} cases)")
        lines.append("")
        lines.append(f"- title: {findings.title(fid)}")
        lines.append("- runs: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
        sigs = collections.Counter(signature(r) for r in group)
        for sig, n in sigs.most_common(6):
            lines.append(f"- {n} x `{sig}`")
        for r in group[:4]:
            lines.append(
                f"  - e.g. `{r['id']}` ({r['command']}, {r['seconds']} s): {r['detail'][:200]}"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
