"""Known root causes: every failing run is assigned a finding id.

The ids are the xfail reasons in ``tests/test_fuzz.py`` (through ``known_failures.json``) and the
sections of ``/work/notes/fuzz_findings.md``. A failing run that no rule matches gets a ``NEW ...``
id: a root cause not catalogued yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Rule = Callable[[dict], bool]


def _tb(exc: str, where: str = "") -> Rule:
    """A traceback whose exception line starts with ``exc`` and deepest frame matches ``where``."""

    def match(rec):
        if rec["outcome"] != "traceback":
            return False
        text, _, frame = rec["detail"].partition(" @ ")
        return text.split(":")[0].endswith(exc) and re.search(where, frame) is not None

    return match


def _wrong(detail: str, ident: str = "") -> Rule:
    def match(rec):
        return (
            rec["outcome"] == "wrong"
            and re.search(detail, rec["detail"]) is not None
            and re.search(ident, rec["id"]) is not None
        )

    return match


def _any(*rules: Rule) -> Rule:
    return lambda rec: any(r(rec) for r in rules)


def _all(*rules: Rule) -> Rule:
    return lambda rec: all(r(rec) for r in rules)


def _id(pattern: str, outcome: str | None = None) -> Rule:
    return lambda rec: (
        re.search(pattern, rec["id"]) is not None and (outcome is None or rec["outcome"] == outcome)
    )


ACCEPTED = "accepted an input that must be refused"

#: (id, title, rule); the first rule that matches a failing run names its finding.
FINDINGS: list[tuple[str, str, Rule]] = [
    # --- reading a feed ------------------------------------------------------------------------
    ("F01-count-separators",
     "malformed thousands separators are dropped, not refused: '1,5' -> 15, '12,34' -> 1234, "
     "',1500', '1,,500', '1500,', '60,00', '1 5', drawCRS '3,99' -> 399 (feed.py:parse_count "
     "strips every comma and space)",
     _wrong(ACCEPTED, r"/(comma-[\w-]+|space-2|crs-comma)(/|$)|grouping-1,5")),
    ("F02-date-extra-digits",
     "a date with extra digits is read as another date: '12025-12-17' and '2025-12-170' -> "
     "2025-12-17 (feed.py:_date_parts uses re.search, not a full match)",
     _wrong(ACCEPTED, r"(year|day)-extra-digit")),
    ("F03-date-containers",
     "a list or object holding a date is read through str() and accepted: ['2025-12-17'], "
     "{'date': '2025-12-17'} (feed.py:_parse_round, parse_date(str(...)))",
     _wrong(ACCEPTED, r"dates/(drawDate|drawDistributionAsOn)/json-(list|object)")),
    ("F04-types-as-text",
     "wrong JSON types in text fields become text: drawName false -> category 'false', 5 -> "
     "category '5', {} -> 'unknown', a list -> its repr; drawText2 likewise; drawNumber "
     "true/{}/[] accepted and 388.0 -> '388.0' (feed.py:_parse_round, str(raw[...]))",
     _any(_wrong(ACCEPTED, r"types/(drawName|drawText2|drawNumber)/|nesting/drawName/"),
          _wrong("output differs", r"types/drawNumber/json-float"))),
    ("F05-tie-break-types",
     "drawCutOff false, 0, [] and {} are read as 'no tie-break'; an object or list holding "
     "a time is read through str() (feed.py:_parse_round, raw.get('drawCutOff') or '')",
     _wrong(ACCEPTED, r"dates/drawCutOff/json-")),
    ("F06-dates-out-of-range",
     "a date outside pandas' nanosecond range (before 1677-09-21 00:12, after 2262-04-11, "
     "e.g. 0001-01-01, 9999-12-31, 5-digit years read as year 25 or 255) in drawDate, "
     "drawDistributionAsOn or drawCutOff: OutOfBoundsDatetime (feed.py:_tidy_rounds; "
     "parse_date/parse_timestamp build a non-nanosecond Timestamp that passes)",
     _tb("OutOfBoundsDatetime", r"feed\.py")),
    ("F07-dates-near-range-crash-models",
     "a round dated inside pandas' range but near its ends (1677-09-22, 2262-04-11) is read, "
     "then forecast crashes: OverflowError 'Overflow in int64 addition' (backtest.py:"
     "raw_backtest) or OutOfBoundsDatetime (forecast.py:schedule_category)",
     _all(_any(_tb("OverflowError", r"backtest\.py|forecast\.py"),
               _tb("OutOfBoundsDatetime", r"forecast\.py|backtest\.py")),
          lambda rec: rec["kind"] == "feeds")),
    ("F08-json-nesting",
     "JSON nested about 1,000 deep or more, even in an ignored field: RecursionError "
     "(feed.py:parse_feed catches only JSONDecodeError); also in update",
     _tb("RecursionError", r"feed\.py")),
    ("F09-counts-beyond-int64",
     "a count beyond int64 in drawSize or a band (or bands whose sum is): OverflowError "
     "(feed.py:_tidy_rounds astype int64, feed.py:_tidy_snapshots np.array int64); also in update",
     _tb("OverflowError", r"feed\.py:_tidy")),
    ("F10-int-digit-limit",
     "a count with more than 4,300 digits (as text or a bare JSON number): ValueError 'Exceeds "
     "the limit (4300 digits)' (feed.py:parse_count int(), feed.py:_parse_round, json.loads in "
     "feed.py:parse_feed)",
     _tb("ValueError", r"feed\.py:(parse_count|_parse_round|parse_feed)")),
    ("F11-implausible-sizes",
     "implausible sizes pass without a finding: drawSize 1,000,000 or 100,000,000,000 "
     "invitations (the whole pool is ~240,000), int64-max (feed.py:_parse_round checks only 0)",
     _wrong("without a finding", r"(sizes|huge)/drawSize/")),
    ("F12-tie-break-after-round",
     "a tie-break time (drawCutOff) after the round itself is read without a finding",
     _wrong("without a finding", r"drawCutOff/after-round")),
    ("F13-utf32-called-utf16",
     "a UTF-32 file is reported as 'it looks like UTF-16' (feed.py:parse_feed checks 2 BOM bytes)",
     _wrong("misleading", r"utf32")),
    ("F14-surrogate-output",
     "a lone surrogate escape (\\ud800) in a round type: UnicodeEncodeError while printing "
     "(cli.py:emit); the reader accepts text that cannot be written",
     _tb("UnicodeEncodeError", r"cli\.py")),
    ("F15-snapshot-after-round-republished",
     "a snapshot dated after its round and republished with other numbers crashes "
     "(Feed.truncate: 'Must have equal len keys and value when setting with an iterable')",
     _tb("ValueError", r"feed\.py:truncate")),
    ("F16-huge-feed-simulate-hang",
     "forecast on a (synthetic, plausible) feed of 34,000 rounds: no result in 240 s; simulate "
     "took 179 s and forecast on 5,000 rounds 153 s (rounds/pool read it in 3-10 s)",
     _id(r"volume/", "hang")),
    # --- arguments -------------------------------------------------------------------------------
    ("A01-draw-count-beyond-float",
     "--draw cec:<400 digits> (or a TOML count > 1e308): OverflowError 'int too large to "
     "convert to float' (simulate.py:_positive_number)",
     _tb("OverflowError", r"simulate\.py:_positive_number")),
    ("A02-count-wraps-int64",
     "a count >= 2**63 - 1 (--draw cec:9223372036854775808, int64 max, 1e20; by-size --size "
     "1e30; schedule invitations 1e30) is printed as -9223372036854775808",
     _wrong(r"output holds '-9223372036854775808'")),
    ("A03-paths-hang",
     "--paths 100000000 (simulate, backlog, odds): runs for minutes with no output and no "
     "refusal",
     _id(r"paths/(1e8|int64)", "hang")),
    ("A04-horizon-out-of-range",
     "forecast/backtest --horizon 1000 or 1e20: OutOfBoundsDatetime (backtest.py:raw_backtest)",
     _tb("OutOfBoundsDatetime", r"backtest\.py")),
    ("A05-backlog-short-horizon-message",
     "backlog --weeks 1 (and 2): 'no round to project (no active category)' although CEC, "
     "PNP, French... are active; the real cause is that no round is expected that soon",
     _wrong("no active category")),
    ("A06-backlog-weeks-overflow",
     "backlog --weeks 1e12: OutOfBoundsTimedelta (forecast.py:forecast_schedule)",
     _tb("OutOfBoundsTimedelta")),
    ("A07-within-overflow",
     "odds --within 999999999m / 99999999999999999999m: ValueError 'year ... out of range' / "
     "OverflowError (odds.py:parse_within)",
     _any(_tb("ValueError", r"odds\.py:parse_within"), _tb("OverflowError", r"odds\.py"))),
    ("A08-far-future-blames-snapshot",
     "an as-of day or round date after 2262-04-11 (outside pandas' range) is refused with "
     "'no pool snapshot on or before 9999-12-31' although snapshots exist: the message blames "
     "the data, not the date",
     _wrong("no pool snapshot")),
    ("U01-url-bad-ipv6",
     "update --url 'https://[bad/x': ValueError 'Invalid IPv6 URL' (feed.py:_check_url, "
     "urlsplit)",
     _tb("ValueError", r"feed\.py:_check_url")),
    ("U02-timeout-inf",
     "update --timeout inf / 1e308: OverflowError 'timestamp out of range for platform time_t' "
     "(feed.py:_download, socket timeout)",
     _tb("OverflowError", r"feed\.py:_download")),
    ("U03-net-limits-not-checked",
     "update --timeout 0 / 1e-9 / nan and --max-bytes 0 / -1 are not refused as arguments: the "
     "error names an errno ('[Errno 115] Operation now in progress'), 'Invalid value NaN' or "
     "'payload larger than -1 bytes', not the option",
     _wrong("misleading", r"update/.*(timeout|max-bytes)")),
    ("U04-url-newline-two-lines",
     "update --url with a newline: the error message echoes the URL and spans two lines",
     _id(r"update/url/newline", "unclear-error")),
    ("U05-corrupt-live-destroys-backup",
     "update when the live file is corrupt copies it over *.previous.json: the last good copy "
     "is lost (feed.py:update copies dest without checking it)",
     _wrong("last good backup")),
    # --- files -------------------------------------------------------------------------------------
    ("S01-schedule-encoding",
     "a schedule in Latin-1, UTF-16 or binary: UnicodeDecodeError (simulate.py:from_toml "
     "catches OSError and TOMLDecodeError only)",
     _tb("UnicodeDecodeError", r"simulate\.py:from_toml")),
    ("S02-schedule-p-values",
     "choice probabilities p that are strings, lists or tables: ValueError/TypeError from "
     "float() (simulate.py:Invitations.parse); booleans [true, false] accepted as [1, 0]",
     _any(_tb("ValueError", r"simulate\.py:<genexpr>|simulate\.py:parse"),
          _tb("TypeError", r"simulate\.py"), _wrong(ACCEPTED, r"schedule/p-bool"))),
    ("S03-schedule-nesting",
     "TOML nested 5,000 deep: RecursionError (simulate.py:from_toml, tomllib)",
     _tb("RecursionError", r"simulate\.py")),
    ("S04-schedule-date-overflow",
     "a rule with every = 1e20 days, or a daily rule to 9999: OverflowError "
     "(simulate.py:Rule.dates, pd.date_range)",
     _any(_tb("OverflowError", r"simulate\.py"), _id(r"schedule/daily-to-9999", "traceback"))),
    ("S05-warning-flood",
     "one warning line per simulated round that runs short: a daily rule to 2100 prints "
     "~27,000 warning lines, 10,000 explicit rounds ~10,000",
     lambda rec: rec["outcome"] == "warning-flood"),
    ("S06-fifo-blocks",
     "a FIFO (or other non-regular file) as --source or --schedule blocks forever "
     "(read_bytes / read_text without a file-type check)",
     _id(r"files/.*/fifo", "hang")),
    ("S07-endless-file-memory",
     "/dev/zero, /dev/urandom or a 3 GB file as --source or --schedule: read whole into memory, "
     "MemoryError (feed.py:read_feed, feed.py:parse_feed, simulate.py:from_toml)",
     _tb("MemoryError")),
    # --- writing -----------------------------------------------------------------------------------
    ("W01-report-out-checked-late",
     "report --out that is a file, inside a file, under /proc or read-only fails only after "
     "the whole computation (tens of seconds), with a bare errno line",
     _wrong("refused only after", r"writing/report/")),
    ("W02-report-disk-full",
     "report on a disk that fills: the error line names no file ('[Errno 27] File too large') "
     "and, when the figures fit but the HTML does not, 16 new figures are left beside the old "
     "forecast.html",
     _any(_wrong("misleading", r"writing/report/disk-full"),
          _wrong("left a mix", r"writing/report/"))),
    ("W04-data-disk-full-mix",
     "data on a disk that fills: the files written before the failing one are new, the rest "
     "old (documented in write_processed, but data/processed/ then mixes two feeds)",
     _wrong("left a mix", r"writing/data/")),
    ("W03-report-folder-vanishes",
     "the output folder removed while report writes: exit 0 and the report is incomplete "
     "(atomic_path recreates folders, later figures land, earlier ones are gone)",
     _wrong("report is incomplete")),
]  # fmt: skip


def classify(rec: dict) -> str:
    """The finding id of a failing run record ('' for a passing one)."""
    if rec["outcome"] in ("ok", "clean-error"):
        return ""
    for fid, _title, match in FINDINGS:
        if match(rec):
            return fid
    detail = re.sub(r"\d+", "N", rec["detail"])[:80]
    return f"NEW {rec['outcome']}: {detail}"


def title(fid: str) -> str:
    for f, t, _m in FINDINGS:
        if f == fid:
            return t
    return "(unclassified)"
