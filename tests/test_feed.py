import http.client
import io
import json
import re
import time
import urllib.request
import urllib.response
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eeforecast import cli, config
from eeforecast.data import (
    Feed,
    FeedWarning,
    load_feed,
    parse_count,
    parse_feed,
    parse_timestamp,
    update,
    write_processed,
)
from eeforecast.errors import EEForecastError, FeedError, ParameterError, UpdateError
from eeforecast.scores import BANDS


def parse(payload):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeedWarning)
        return parse_feed(json.dumps(payload))


def by_number(feed, number):
    return feed.rounds.set_index("draw_number").loc[number]


# --- known facts of the bundled feed ------------------------------------------------------------


def test_every_bundled_round_parses(feed):
    rounds = feed.rounds
    assert len(rounds) == 389
    assert rounds["draw_number"].iloc[-1] == "388"
    assert {"91a", "91b"} <= set(rounds["draw_number"])
    assert rounds["date"].is_monotonic_increasing
    assert rounds["date"].min() == pd.Timestamp("2015-01-31")
    assert rounds["date"].max() == pd.Timestamp("2025-12-17")
    assert list(rounds.columns) == [
        "draw_number",
        "date",
        "name",
        "category",
        "invitations",
        "cutoff",
        "tie_break",
        "programs",
        "distribution_as_of",
    ]
    assert rounds["invitations"].dtype == np.int64 and rounds["cutoff"].dtype == np.int64
    assert str(rounds["tie_break"].dt.tz) == "UTC"


def test_round_291_french(feed):
    row = by_number(feed, "291")
    assert row["date"] == pd.Timestamp("2024-03-26")
    assert row["category"] == "french"
    assert row["invitations"] == 1500
    assert row["cutoff"] == 388
    assert row["distribution_as_of"] == pd.Timestamp("2024-03-24")


def test_largest_round_ever_is_176(feed):
    top = feed.rounds.loc[feed.rounds["invitations"].idxmax()]
    assert (top["draw_number"], top["date"], top["invitations"]) == (
        "176",
        pd.Timestamp("2021-02-13"),
        27332,
    )
    french = feed.rounds[feed.rounds["category"] == "french"]
    assert french["invitations"].max() == 7500  # #341, 2025-03-21
    assert by_number(feed, "282")["invitations"] == 7000


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("208", "2021-10-07 16:38:21"),  # "October 7 at 16:38:21 UTC": no year
        ("210", "2021-06-22 20:19:59"),  # "20:19:59 PM UTC"
        ("244", "2022-05-19 06:48:41"),  # "May 19,2022 06:48:41 UTC"
        ("258", "2023-06-15 23:49:05"),  # no "UTC"
        ("270", "2023-09-30 04:22:17"),  # "04:22:17 AM UTC"
        ("277", "2023-08-30 17:30:21"),  # "August 30. 2023"
        ("322", "2024-03-02 01:58:34"),  # "March 02. 2024"
        ("386", "2025-10-18 07:18:52"),  # two spaces before the hour
        ("215", "2021-02-18 05:05:15"),  # "February 18 2021" without comma
    ],
)
def test_free_text_tie_break_times(feed, number, expected):
    assert by_number(feed, number)["tie_break"] == pd.Timestamp(expected, tz="UTC")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("June 4th 2025 at 12:35:37 UTC", "2025-06-04 12:35:37"),
        ("January 11, 2023 16:14:19 UTC", "2023-01-11 16:14:19"),
        ("May 31, 2024 at12:48:30 UTC", "2024-05-31 12:48:30"),
        ("October 25, 2023 at 15:48:39 AM UTC", "2023-10-25 15:48:39"),
        ("August 15, 2024 at 2024-08-15 15:11:54 UTC", "2024-08-15 15:11:54"),
        ("  March 02. 2024 at 01:58:34  ", "2024-03-02 01:58:34"),
        ("March 5, 2024 at 3:05:00 PM UTC", "2024-03-05 15:05:00"),
        ("December 31 at 23:00:00 UTC", "2024-12-31 23:00:00"),  # before the Jan reference
    ],
)
def test_parse_timestamp_forms(text, expected):
    got = parse_timestamp(text, reference=pd.Timestamp("2025-01-15"), where="t")
    assert got == pd.Timestamp(expected, tz="UTC")


def test_blank_tie_break_is_missing(feed):
    early = feed.rounds[feed.rounds["date"] < "2015-06-01"]
    assert early["tie_break"].isna().all()


def test_snapshots_are_tidy_and_unique(feed):
    snaps = feed.snapshots
    assert list(snaps.columns) == ["as_of", "band_lo", "band_hi", "candidates"]
    counts = snaps.groupby("as_of").size()
    assert (counts == 15).all()
    assert snaps["as_of"].nunique() == len(feed.totals)
    first = snaps[snaps["as_of"] == snaps["as_of"].min()]
    assert tuple(zip(first["band_lo"], first["band_hi"], strict=True)) == BANDS
    # Snapshots begin with round #214 (2022-01-19, pool of 2022-01-17).
    assert snaps["as_of"].min() == pd.Timestamp("2022-01-17")
    latest = feed.snapshot()
    assert latest["as_of"].iloc[0] == pd.Timestamp("2025-12-15")
    assert latest["candidates"].sum() == 237302
    assert latest.set_index("band_lo").loc[601, "candidates"] == 390


def test_zeroed_bands_mean_not_published(feed):
    row = by_number(feed, "223")  # 2022-05-25: all bands "0"
    assert pd.isna(row["distribution_as_of"])
    assert pd.Timestamp("2022-05-23") not in set(feed.snapshots["as_of"])
    assert feed.snapshots["candidates"].sum() > 0
    assert (feed.totals["leaves_total"] > 100_000).all()


def test_subtotal_mismatch_warns_naming_round_and_leaves_win(raw_payload):
    with pytest.warns(FeedWarning, match=r"round #247: subtotal dd3 = 55,867"):
        feed = parse_feed(json.dumps(raw_payload))
    snap = feed.snapshots[feed.snapshots["as_of"] == "2023-04-26"]
    assert snap["candidates"].sum() == 230009
    total = feed.totals.set_index("as_of").loc["2023-04-26"]
    assert (total["total"], total["leaves_total"]) == (230189, 230009)
    assert any("#247" in issue for issue in feed.issues)


def test_findings_belong_to_their_round_and_follow_as_of(raw_payload, tmp_path, recwarn):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(raw_payload))
    day = load_feed(path).rounds.set_index("draw_number").loc["247", "date"]
    recwarn.clear()
    before = load_feed(path, as_of=day - pd.Timedelta(days=1))
    assert not any("#247" in issue for issue in before.issues)
    assert not [w for w in recwarn if "#247" in str(w.message)]
    on = load_feed(path, as_of=day)
    assert sum("#247" in issue for issue in on.issues) == 2
    assert len(on.issues) == len(on.issue_dates) and max(on.issue_dates) <= day
    assert [str(w.message) for w in recwarn if "#247" in str(w.message)] == [
        i for i in on.issues if "#247" in i
    ]


def test_snapshot_after_round_is_noted(raw_copy):
    row = next(r for r in raw_copy["rounds"] if r["drawNumber"] == "388")
    row["drawDistributionAsOn"] = "December 20, 2025"
    with pytest.warns(FeedWarning, match="round #388: pool snapshot dated 2025-12-20, after"):
        parse_feed(json.dumps(raw_copy))


def test_thousands_separators_and_stray_spaces():
    rounds = [_round("5", size=" 1,500 ", crs=" 471", date=" 2024-01-02 ")]
    feed = parse({"rounds": rounds})
    assert feed.rounds["invitations"].iloc[0] == 1500 and feed.rounds["cutoff"].iloc[0] == 471
    assert feed.rounds["date"].iloc[0] == pd.Timestamp("2024-01-02")


def test_renamed_and_new_round_types(recwarn):
    rounds = [
        _round("1", name="Healthcare and social services occupations, 2026-Version 3"),
        _round("2", name="Senior managers with Canadian work experience (Version 1)"),
    ]
    feed = parse({"rounds": rounds})
    assert feed.rounds["category"].tolist() == [
        "healthcare",
        "senior-managers-with-canadian-work-experience",
    ]
    assert any("Senior managers" in issue for issue in feed.issues)


# --- bad input: one clear error naming the round and field --------------------------------------


def _round(
    number, *, name="Canadian Experience Class", size="1,000", crs="520", date="2025-01-08", **extra
):
    base = {
        "drawNumber": number,
        "drawDate": date,
        "drawName": name,
        "drawSize": size,
        "drawCRS": crs,
        "drawCutOff": "January 1, 2025 at 10:00:00 UTC",
        "drawDistributionAsOn": "January 6, 2025",
    }
    base.update({f"dd{i}": "0" for i in range(1, 19)})
    base.update(extra)
    return base


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        ("{not json", "not valid JSON"),
        ('{"rounds": [{"drawNumber": "1"', "not valid JSON"),
        ("[]", "no 'rounds' list"),
        ('{"classes": "wb-tables"}', "no 'rounds' list"),
        ('{"rounds": {}}', "'rounds' is a dict"),
    ],
)
def test_malformed_documents(payload, match):
    with pytest.raises(FeedError, match=match):
        parse_feed(payload)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda r: r.pop("drawCRS"), r"round #7: missing field 'drawCRS'"),
        (lambda r: r.update(drawSize="about 500"), r"round #7, field 'drawSize'.*'about 500'"),
        (lambda r: r.update(drawSize="-5"), r"round #7, field 'drawSize'"),
        (lambda r: r.update(drawCRS="1,250"), r"round #7, field 'drawCRS'.*above 1200"),
        (lambda r: r.update(drawDate="someday"), r"round #7, field 'drawDate'.*'someday'"),
        (lambda r: r.update(drawDate="2025-02-30"), r"round #7, field 'drawDate'.*invalid date"),
        (lambda r: r.update(drawCutOff="yesterday noon"), r"round #7, field 'drawCutOff'"),
        (
            lambda r: r.update(dd1="12", drawDistributionAsOn="soon"),
            r"round #7, field 'drawDistributionAsOn'",
        ),
        (lambda r: (r.update(dd2="40"), r.pop("dd5")), r"round #7: missing field 'dd5'"),
        (lambda r: r.update(dd4="n/a"), r"round #7, field 'dd4'"),
        (lambda r: r.update(drawSize="6.000"), r"round #7, field 'drawSize'.*ambiguous number"),
        (lambda r: r.update(drawName="  "), r"round #7: empty field 'drawName'"),
    ],
)
def test_bad_fields_name_round_and_field(edit, match):
    row = _round("7")
    edit(row)
    with pytest.raises(FeedError, match=match):
        parse({"rounds": [_round("6"), row]})


def test_a_trailing_decimal_zero_is_still_a_count():
    feed = parse({"rounds": [_round("6", size="6000.0", crs="520.00")]})
    assert by_number(feed, "6")["invitations"] == 6000 and by_number(feed, "6")["cutoff"] == 520


def test_republished_snapshot_is_used_from_its_own_round_on():
    def bands(zero_to_300):
        return {"dd1": "390", "dd2": "21000", "dd4": "5000", "dd17": zero_to_300}

    older = _round("8", date="2025-01-07", drawDistributionAsOn="2025-01-05", **bands("9999"))
    newer = _round("9", date="2025-01-08", drawDistributionAsOn="2025-01-05", **bands("8069"))
    with pytest.warns(FeedWarning, match="round #9: pool snapshot of 2025-01-05 differs"):
        feed = parse_feed(json.dumps({"rounds": [newer, older]}))

    def zero_band(f):
        return f.snapshot().query("band_lo == 0")["candidates"].item()

    assert zero_band(feed) == 8069  # the latest version
    on_the_7th = feed.truncate(as_of="2025-01-07")  # only round #8 was public: its version
    assert zero_band(on_the_7th) == 9999
    assert on_the_7th.totals["leaves_total"].item() == 390 + 21000 + 5000 + 9999
    assert not any("differs" in issue for issue in on_the_7th.issues)
    assert zero_band(feed.truncate(as_of="2025-01-08")) == 8069
    # truncating twice is truncating once
    again = feed.truncate(as_of="2025-01-08").truncate(as_of="2025-01-07")
    pd.testing.assert_frame_equal(again.snapshots, on_the_7th.snapshots)


def test_new_round_type_finding_names_its_first_round():
    rounds = [
        _round("12", name="Senior managers (Version 1)", date="2025-03-01"),
        _round("11", name="Senior managers (Version 1)", date="2025-02-01"),
        _round("10", date="2025-01-08"),
    ]
    feed = parse({"rounds": rounds})
    found = [i for i in feed.issues if "Senior managers" in i]
    assert found == [
        "round #11: round type 'Senior managers (Version 1)' matches no known category; using "
        "the new slug 'senior-managers'"
    ]
    assert not feed.truncate(as_of="2025-01-31").issues


def test_date_typos_are_findings():
    rounds = [
        _round("10", date="2099-01-08", drawDistributionAsOn="2099-01-06", dd2="10"),
        _round("9", date="2025-06-02", drawDistributionAsOn="2025-01-06", dd2="10"),
    ]
    feed = parse({"rounds": rounds})
    assert any(i.startswith("round #10: dated 2099-01-08, after today") for i in feed.issues)
    assert any(
        "round #9: pool snapshot dated 2025-01-06, 147 days before the round" in i
        for i in feed.issues
    )


def test_duplicate_round_number():
    with pytest.raises(FeedError, match=r"round #6: duplicate round number"):
        parse({"rounds": [_round("6"), _round("6")]})


def test_non_object_round():
    with pytest.raises(FeedError, match="round at index 1: expected an object"):
        parse({"rounds": [_round("6"), "oops"]})


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FeedError, match="no such feed file"):
        load_feed(tmp_path / "absent.json")
    with pytest.raises(FeedError, match="is a folder"):
        load_feed(tmp_path)


_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["1,500", "0", "-3", "2024-01-02", "March 02. 2024", "", " 7 ", "1200", "12.0", "9" * 30]
    ),
)
_value = st.one_of(
    _text,
    st.integers(-5, 10**6),
    st.none(),
    st.booleans(),
    st.floats(),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    n_rounds=st.integers(1, 4),
)
def test_malformed_feeds_give_a_frame_or_our_error(data, n_rounds):
    rounds = []
    for i in range(n_rounds):
        row = _round(str(i + 1), dd1=str(i * 7), dd2="100", dd4="5")
        for _ in range(data.draw(st.integers(0, 3))):
            key = data.draw(st.sampled_from(sorted(row)))
            if data.draw(st.booleans()):
                row[key] = data.draw(_value)
            else:
                row.pop(key)
        rounds.append(row)
    text = json.dumps({"rounds": rounds})
    if data.draw(st.booleans()):
        text = text[: data.draw(st.integers(0, len(text)))]
    try:
        feed = parse_feed(text)
    except FeedError:
        return
    assert list(feed.rounds.columns)[:2] == ["draw_number", "date"]
    assert (feed.rounds["invitations"] >= 0).all()
    assert feed.rounds["draw_number"].is_unique


# --- as-of: behave as if it were that day ------------------------------------------------------


def test_as_of_keeps_rounds_and_snapshots_on_or_before(feed):
    cut = load_feed(config.RAW_FEED, as_of="2024-03-25")
    assert cut.rounds["date"].max() <= pd.Timestamp("2024-03-25")
    assert "291" not in set(cut.rounds["draw_number"])
    assert cut.snapshots["as_of"].max() == pd.Timestamp("2024-03-24")
    assert cut.snapshot()["as_of"].iloc[0] == pd.Timestamp("2024-03-24")
    assert len(cut.rounds) == (feed.rounds["date"] <= "2024-03-25").sum()
    assert cut.as_of == pd.Timestamp("2024-03-25")
    with pytest.raises(FeedError, match="no pool snapshot"):
        cut.snapshot(on_or_before="2021-01-01")


def test_as_of_accepts_timestamps_and_rejects_garbage(feed):
    assert len(feed.truncate(as_of=pd.Timestamp("2015-02-07")).rounds) == 2
    with pytest.raises(ParameterError, match="as_of: expected a date YYYY-MM-DD"):
        feed.truncate(as_of="not a date")
    for ambiguous in ("03/04/2024", 20240326, "2026", "today"):  # refused, not guessed
        with pytest.raises(ParameterError, match="as_of"):
            feed.truncate(as_of=ambiguous)


# --- processed files ----------------------------------------------------------------------------


def test_write_processed(tmp_path, feed):
    paths = write_processed(feed, tmp_path)
    names = sorted(p.name for p in paths)
    assert names == [
        "issues.txt",
        "rounds.csv",
        "snapshot_totals.csv",
        "snapshots.csv",
        "snapshots_wide.csv",
    ]
    assert "round #247" in (tmp_path / "issues.txt").read_text()
    rounds = pd.read_csv(tmp_path / "rounds.csv", dtype={"draw_number": str})
    assert len(rounds) == 389 and "91a" in set(rounds["draw_number"])
    wide = pd.read_csv(tmp_path / "snapshots_wide.csv")
    assert wide.shape == (feed.totals.shape[0], 16)
    assert not list(tmp_path.glob(".*tmp"))


# --- update -------------------------------------------------------------------------------------


class _Response(io.BytesIO):
    def __init__(self, payload: bytes, url: str = config.FEED_URL):
        super().__init__(payload)
        self._url = url

    def geturl(self):
        return self._url


def _opener(payload: bytes, url: str = config.FEED_URL, calls=None):
    def opener(request, timeout):
        if calls is not None:
            calls.append((request.full_url, timeout))
        return _Response(payload, url)

    return opener


def test_update_replaces_atomically_and_keeps_previous(tmp_path, raw_payload):
    dest = tmp_path / "live.json"
    dest.write_text('{"rounds": []}')
    calls = []
    payload = json.dumps(raw_payload).encode()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeedWarning)
        path = update(dest=dest, opener=_opener(payload, calls=calls), timeout=5)
    assert path == dest and dest.read_bytes() == payload
    assert (tmp_path / "live.previous.json").read_text() == '{"rounds": []}'
    assert calls == [(config.FEED_URL, 5)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeedWarning)
        assert len(load_feed(dest).rounds) == 389


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"url": "http://www.canada.ca/feed.json"}, "only https"),
        ({"url": "https://example.org/feed.json"}, "not in"),
        ({"opener": _opener(b"{broken")}, "invalid.*not valid JSON"),
        ({"opener": _opener(b'{"rounds": []}')}, "holds no rounds"),
        ({"opener": _opener(b"x" * 100), "max_bytes": 50}, "larger than 50"),
        ({"opener": _opener(b"{}", url="https://evil.example/x")}, "not in"),
    ],
)
def test_update_failures_leave_data_untouched(tmp_path, kwargs, match):
    dest = tmp_path / "live.json"
    dest.write_text("old")
    with pytest.raises(UpdateError, match=match):
        update(dest=dest, **kwargs)
    assert dest.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live.json"]


def test_update_offline(tmp_path):
    def offline(request, timeout):
        raise OSError("Network is unreachable")

    with pytest.raises(UpdateError, match="cannot fetch.*unreachable.*unchanged"):
        update(dest=tmp_path / "live.json", opener=offline)
    assert not (tmp_path / "live.json").exists()


def test_update_against_local_server(tmp_path, raw_payload):
    """A real HTTP exchange on loopback: the opener sends the request to a local server."""
    import http.server
    import threading
    import urllib.request

    body = json.dumps(raw_payload).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        local = f"http://127.0.0.1:{server.server_port}/feed.json"

        def opener(request, timeout):
            response = urllib.request.urlopen(local, timeout=timeout)
            return _Response(response.read(), request.full_url)

        dest = tmp_path / "live.json"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FeedWarning)
            update(dest=dest, opener=opener, timeout=5)
        assert dest.read_bytes() == body
    finally:
        server.shutdown()
        server.server_close()


def test_as_of_hides_a_snapshot_until_its_round_publishes_it(feed):
    # Round #386 (2025-12-15) carries the pool of 2025-12-15; #383-#385 carry 2025-12-07's.
    # The pool of 2025-12-14 was published with #387 on 2025-12-16.
    cut = feed.truncate(as_of="2025-12-15")
    assert cut.snapshots["as_of"].max() == pd.Timestamp("2025-12-15")
    assert pd.Timestamp("2025-12-14") not in set(cut.snapshots["as_of"])
    assert feed.truncate(as_of="2025-12-16").snapshots["as_of"].nunique() == (
        cut.snapshots["as_of"].nunique() + 1
    )


def test_truncated_file_equals_as_of(tmp_path, raw_copy, feed):
    """Reading a feed downloaded on a day equals cutting the full feed at that day."""
    day = pd.Timestamp("2024-07-16")
    raw_copy["rounds"] = [r for r in raw_copy["rounds"] if pd.Timestamp(r["drawDate"]) <= day]
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(raw_copy))
    old = load_feed(path)
    cut = feed.truncate(as_of=day)
    pd.testing.assert_frame_equal(old.rounds, cut.rounds)
    pd.testing.assert_frame_equal(old.snapshots, cut.snapshots)
    pd.testing.assert_frame_equal(old.totals, cut.totals)


def test_round_of_zero_invitations_is_noted():
    with pytest.warns(FeedWarning, match=r"round #8: field 'drawSize' is 0"):
        feed = parse_feed(json.dumps({"rounds": [_round("8", size="0")]}))
    assert feed.rounds["invitations"].tolist() == [0]


def test_a_feed_built_by_hand_keeps_undated_findings(feed):
    hand = Feed(feed.rounds, feed.snapshots, feed.totals, issues=("a finding",))
    assert hand.truncate(as_of="2020-01-01").issues == ("a finding",)
    with pytest.raises(FeedError, match="issue_dates: 2 dates for 1 issues"):
        Feed(feed.rounds, feed.snapshots, feed.totals, issues=("a",), issue_dates=(None, None))


def test_a_republished_total_is_a_new_version():
    older = _round("8", date="2025-01-07", dd2="100", dd18="26490")
    newer = _round("9", date="2025-01-08", dd2="100", dd18="26999")
    feed = parse({"rounds": [newer, older]})
    assert feed.totals["total"].item() == 26999
    assert feed.truncate(as_of="2025-01-07").totals["total"].item() == 26490


# --- update: a stale feed, an identical one, failures on the way --------------------------------


def _quiet_update(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeedWarning)
        return update(**kwargs)


def _payload_without_newest(raw_payload, n):
    """The bundled feed minus its ``n`` newest rounds (IRCC lists the newest first)."""
    return json.dumps({**raw_payload, "rounds": raw_payload["rounds"][n:]}).encode()


def test_update_refuses_a_feed_older_than_the_live_one(tmp_path, raw_payload):
    dest = tmp_path / "live.json"
    current = json.dumps(raw_payload).encode()
    dest.write_bytes(current)
    stale = _payload_without_newest(raw_payload, 10)  # ends with #378 of 2025-11-12
    with pytest.raises(UpdateError) as info:
        _quiet_update(dest=dest, opener=_opener(stale))
    message = str(info.value)
    assert "\n" not in message
    assert "2025-11-12" in message and "2025-12-17" in message and str(dest) in message
    assert "nothing was saved" in message and "force" in message
    assert dest.read_bytes() == current
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live.json"]
    # force keeps it (and keeps the replaced file as the previous copy)
    _quiet_update(dest=dest, opener=_opener(stale), force=True)
    assert dest.read_bytes() == stale
    assert (tmp_path / "live.previous.json").read_bytes() == current


def test_update_without_a_live_file_compares_with_the_bundled_feed(tmp_path, raw_payload):
    dest = tmp_path / "live.json"
    first_round_only = json.dumps({"rounds": raw_payload["rounds"][-1:]}).encode()
    with pytest.raises(UpdateError, match=r"round #1 of 2015-01-31.*2025-12-17.*nothing was saved"):
        _quiet_update(dest=dest, opener=_opener(first_round_only))
    assert not dest.exists()
    # a feed as new as the bundled one, or an unreadable live file, is no obstacle
    dest.write_text("{broken")
    _quiet_update(dest=dest, opener=_opener(json.dumps(raw_payload).encode()))
    assert len(load_feed(dest).rounds) == 389


def test_update_with_an_identical_feed_keeps_the_previous_copy(tmp_path, raw_payload):
    dest = tmp_path / "live.json"
    payload = json.dumps(raw_payload).encode()
    dest.write_bytes(payload)
    previous = tmp_path / "live.previous.json"
    previous.write_text("the copy before")
    stamp = dest.stat().st_mtime_ns
    assert _quiet_update(dest=dest, opener=_opener(payload)) == dest
    assert previous.read_text() == "the copy before"
    assert dest.read_bytes() == payload and dest.stat().st_mtime_ns == stamp


def test_update_writes_the_previous_copy_atomically(tmp_path, raw_payload, monkeypatch):
    dest = tmp_path / "live.json"
    dest.write_text("{broken")
    previous = tmp_path / "live.previous.json"
    previous.write_text("the copy before")

    def disk_full(src, dst):
        with open(dst, "wb") as out:
            out.write(b"half a co")
        raise OSError(28, "No space left on device", str(dst))

    monkeypatch.setattr("eeforecast.data.fetch.shutil.copy2", disk_full)
    with pytest.raises(UpdateError, match="cannot write .*No space left on device.*unchanged"):
        _quiet_update(dest=dest, opener=_opener(json.dumps(raw_payload).encode()))
    assert previous.read_text() == "the copy before" and dest.read_text() == "{broken"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live.json", "live.previous.json"]


def test_update_turns_a_write_permission_error_into_update_error(
    tmp_path, raw_payload, monkeypatch
):
    dest = tmp_path / "live.json"

    def denied(*args, dir=None, **kwargs):
        raise PermissionError(13, "Permission denied", f"{dir}/.live.json.tmp")

    monkeypatch.setattr("eeforecast.files.tempfile.mkstemp", denied)
    with pytest.raises(UpdateError, match=r"cannot write .*live\.json\.tmp: Permission denied"):
        _quiet_update(dest=dest, opener=_opener(json.dumps(raw_payload).encode()))
    assert not dest.exists()


class _Failing(_Response):
    def read(self, n=-1):
        raise http.client.IncompleteRead(b"{", 1000)

    read1 = read


@pytest.mark.parametrize(
    ("error", "match"),
    [
        (http.client.BadStatusLine("GARBAGE\r\n"), "cannot fetch .*BadStatusLine: GARBAGE; the"),
        (http.client.IncompleteRead(b"{", 10), r"cannot fetch .*IncompleteRead\(1 bytes read"),
        (http.client.RemoteDisconnected("Remote end closed"), "cannot fetch .*Remote end"),
        ("read", r"cannot fetch .*IncompleteRead\(1 bytes read, 1000 more expected\)"),
    ],
)
def test_update_http_client_errors_are_update_errors(tmp_path, error, match):
    def opener(request, timeout):
        if error == "read":
            return _Failing(b"")
        raise error

    with pytest.raises(UpdateError, match=match) as info:
        update(dest=tmp_path / "live.json", opener=opener)
    assert "\n" not in str(info.value) and "unchanged" in str(info.value)
    assert not list(tmp_path.iterdir())


class _Drip:
    """A response that gives its payload in slices, one every ``pause`` seconds."""

    def __init__(self, payload: bytes, parts: int = 10, pause: float = 0.1):
        size = -(-len(payload) // parts)
        self.parts = [payload[i : i + size] for i in range(0, len(payload), size)]
        self.pause = pause

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def geturl(self):
        return config.FEED_URL

    def read1(self, n=-1):
        time.sleep(self.pause)
        return self.parts.pop(0) if self.parts else b""

    def read(self, n=-1):  # like a buffered reader: waits for n bytes or the end
        out = b""
        while n < 0 or len(out) < n:
            part = self.read1()
            if not part:
                break
            out += part
        return out


def test_update_timeout_limits_the_whole_download(tmp_path, raw_payload):
    payload = json.dumps(raw_payload).encode()
    started = time.monotonic()
    with pytest.raises(UpdateError, match=r"took longer than the timeout of 0.35 s.*unchanged"):
        update(dest=tmp_path / "live.json", opener=lambda r, timeout: _Drip(payload), timeout=0.35)
    assert time.monotonic() - started < 0.9  # the whole download takes 1 s
    assert not list(tmp_path.iterdir())
    # in time, the slices make the payload (and the size cap still holds)
    with pytest.raises(UpdateError, match="larger than 1,000 bytes"):
        update(
            dest=tmp_path / "live.json",
            opener=lambda r, timeout: _Drip(payload, pause=0),
            max_bytes=1000,
        )
    _quiet_update(dest=tmp_path / "live.json", opener=lambda r, timeout: _Drip(payload, pause=0))
    assert (tmp_path / "live.json").read_bytes() == payload


def _fake_https(routes, calls):
    """An ``https_open`` answering from ``routes`` (url -> (status, headers, body))."""

    def https_open(self, request):
        calls.append(request.full_url)
        status, headers, body = routes[request.full_url]
        message = http.client.HTTPMessage()
        for key, value in headers.items():
            message[key] = value
        response = urllib.response.addinfourl(io.BytesIO(body), message, request.full_url, status)
        response.msg = "OK" if status == 200 else "Found"
        return response

    return https_open


@pytest.mark.parametrize(
    "target", ["https://evil.example/feed.json", "http://www.canada.ca/feed.json"]
)
def test_update_checks_a_redirect_before_following_it(tmp_path, monkeypatch, target):
    calls = []
    routes = {
        config.FEED_URL: (302, {"Location": target}, b""),
        target: (200, {}, b"{}"),
    }
    monkeypatch.setattr(urllib.request.HTTPSHandler, "https_open", _fake_https(routes, calls))
    monkeypatch.setattr(urllib.request.HTTPHandler, "http_open", _fake_https(routes, calls))
    with pytest.raises(UpdateError, match=r"redirect from .*refusing"):
        update(dest=tmp_path / "live.json")
    assert calls == [config.FEED_URL]  # the request never left for the other address
    assert not list(tmp_path.iterdir())


def test_update_follows_a_redirect_on_the_allowed_host(tmp_path, monkeypatch, raw_payload):
    calls = []
    moved = "https://www.canada.ca/feed-moved.json"
    payload = json.dumps(raw_payload).encode()
    routes = {config.FEED_URL: (301, {"Location": moved}, b""), moved: (200, {}, payload)}
    monkeypatch.setattr(urllib.request.HTTPSHandler, "https_open", _fake_https(routes, calls))
    _quiet_update(dest=tmp_path / "live.json")
    assert calls == [config.FEED_URL, moved]
    assert (tmp_path / "live.json").read_bytes() == payload


def test_cli_update_refuses_a_stale_feed_unless_forced(tmp_path, monkeypatch, capsys, raw_payload):
    live = tmp_path / "raw" / "ee_rounds_live.json"
    monkeypatch.setattr(config, "LIVE_FEED", live)
    stale = _payload_without_newest(raw_payload, 3)  # ends with #385 of 2025-12-11
    monkeypatch.setattr("eeforecast.data.fetch._default_opener", lambda hosts: _opener(stale))
    assert cli.main(["update"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "2025-12-11" in err and "2025-12-17" in err and "nothing was saved" in err
    assert not live.exists()
    assert cli.main(["update", "--force"]) == 0
    assert capsys.readouterr().out == f"updated {live}\n"
    assert live.read_bytes() == stale
    assert cli.main(["update", "--force"]) == 0
    assert "already up to date" in capsys.readouterr().out
    assert not live.with_name("ee_rounds_live.previous.json").exists()


# --- processed files, caching, cuts --------------------------------------------------------------


def test_write_processed_builds_every_file_before_writing_any(tmp_path, feed, monkeypatch):
    names = ["rounds.csv", "snapshots.csv", "snapshot_totals.csv", "snapshots_wide.csv"]
    for name in [*names, "issues.txt"]:
        (tmp_path / name).write_text("old")
    to_csv = pd.DataFrame.to_csv
    calls = []

    def fail_on_third(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk hiccup")
        return to_csv(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", fail_on_third)
    with pytest.raises(RuntimeError, match="disk hiccup"):
        write_processed(feed, tmp_path)
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {
        name: "old" for name in [*names, "issues.txt"]
    }


def test_write_processed_writes_whole_counts_as_integers(tmp_path, feed):
    write_processed(feed, tmp_path)
    snapshots = pd.read_csv(tmp_path / "snapshots.csv")
    assert snapshots["candidates"].dtype == "int64"
    assert snapshots["candidates"].sum() == feed.snapshots["candidates"].sum()
    wide = pd.read_csv(tmp_path / "snapshots_wide.csv")
    assert (wide.drop(columns="as_of").dtypes == "int64").all()
    assert ".0," not in (tmp_path / "snapshots.csv").read_text()


def test_write_processed_of_a_feed_before_any_snapshot(tmp_path, feed):
    write_processed(feed.truncate(as_of="2016-01-01"), tmp_path)
    wide = pd.read_csv(tmp_path / "snapshots_wide.csv")
    assert list(wide.columns) == ["as_of", *(f"{lo}-{hi}" for lo, hi in BANDS)] and wide.empty


def test_write_processed_names_the_file_it_cannot_write(tmp_path, feed):
    (tmp_path / "snapshots.csv").mkdir()  # a folder where a file should go
    (tmp_path / "rounds.csv").write_text("old")
    with pytest.raises(EEForecastError, match=r"snapshots.csv: a folder is in the way.*as it was"):
        write_processed(feed, tmp_path)
    # all or nothing: the old rounds.csv is kept, the folder is untouched, no temporary left
    assert (tmp_path / "rounds.csv").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rounds.csv", "snapshots.csv"]


def test_load_feed_hands_out_copies(tmp_path, raw_payload):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(raw_payload))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeedWarning)
        first = load_feed(path)
        first.rounds.loc[0, "cutoff"] = 0
        first.rounds.loc[1:, "name"] = "edited"
        first.snapshots["candidates"] = 0.0
        del first.totals["total"]
        again = load_feed(path)
    assert again.rounds.loc[0, "cutoff"] == 886 and "edited" not in set(again.rounds["name"])
    assert again.snapshots["candidates"].sum() > 0 and "total" in again.totals


def test_findings_are_in_the_same_order_in_a_cut_file_and_as_of(tmp_path):
    new_type = "Space exploration occupations (Version 1)"
    rounds = [  # IRCC's order: newest first
        _round("3", name=new_type, date="2025-01-10"),
        _round("2", size="0", date="2025-01-09"),
        _round("1", name=new_type, date="2025-01-08"),
    ]
    full, cut = tmp_path / "full.json", tmp_path / "cut.json"
    full.write_text(json.dumps({"rounds": rounds}))
    cut.write_text(json.dumps({"rounds": rounds[1:]}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeedWarning)
        as_of = load_feed(full, as_of="2025-01-09")
        from_file = load_feed(cut)
    assert list(as_of.issues) == list(from_file.issues)
    assert as_of.issues[0].startswith("round #1: ") and as_of.issues[1].startswith("round #2: ")
    assert list(as_of.issue_dates) == sorted(as_of.issue_dates)


def test_totals_before_the_first_snapshot_are_int64(tmp_path, raw_copy, feed):
    raw_copy["rounds"] = [r for r in raw_copy["rounds"] if r["drawDate"] <= "2015-02-07"]
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(raw_copy))
    from_file = load_feed(path)
    cut = feed.truncate(as_of="2015-02-07")
    assert from_file.totals.empty and cut.totals.empty
    pd.testing.assert_frame_equal(from_file.totals, cut.totals)
    pd.testing.assert_frame_equal(from_file.snapshots, cut.snapshots)
    assert from_file.totals["total"].dtype == "int64"


def test_as_of_never_uses_a_snapshot_dated_after_the_day(tmp_path, raw_copy):
    """Documented difference: a round published with a pool snapshot dated after the round (an
    IRCC quirk, reported as a finding) is in a file downloaded that day, but ``as_of`` that day
    keeps no snapshot from the future."""
    row = next(r for r in raw_copy["rounds"] if r["drawNumber"] == "388")
    row["drawDistributionAsOn"] = "December 20, 2025"
    path = tmp_path / "feed.json"  # as downloaded on 2025-12-17: #388 is its last round
    path.write_text(json.dumps(raw_copy))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FeedWarning)
        downloaded = load_feed(path)
        cut = load_feed(path, as_of="2025-12-17")
        later = load_feed(path, as_of="2025-12-20")
    day = pd.Timestamp("2025-12-20")
    assert day in set(downloaded.snapshots["as_of"]) and day in set(downloaded.totals["as_of"])
    assert day not in set(cut.snapshots["as_of"]) and day not in set(cut.totals["as_of"])
    assert cut.snapshots["as_of"].max() == pd.Timestamp("2025-12-15")
    assert day in set(later.snapshots["as_of"])
    pd.testing.assert_frame_equal(downloaded.rounds, cut.rounds)  # the round still names it
    finding = "round #388: pool snapshot dated 2025-12-20, after the round (2025-12-17)"
    assert finding in downloaded.issues and finding in cut.issues


def test_a_snapshot_repeated_under_a_new_date_is_a_finding_once_both_are_public(feed):
    # IRCC gave the counts of 2025-12-14 (with #387, 2025-12-16) also as 2025-12-15 (with #386)
    repeated = [i for i in feed.issues if "same band counts" in i]
    assert len(repeated) == 3
    assert any(
        i.startswith("round #386: pool snapshot of 2025-12-15 has the same") for i in repeated
    )
    assert not any("2025-12-15" in i for i in feed.truncate(as_of="2025-12-15").issues)
    assert any("2025-12-15" in i for i in feed.truncate(as_of="2025-12-16").issues)


@pytest.mark.parametrize(
    ("start", "hint"), [(b"\x1f\x8b\x08\x00", "gzip-compressed"), (b"\xff\xfe{\x00", "UTF-16")]
)
def test_a_compressed_or_utf16_file_gets_a_hint(start, hint):
    with pytest.raises(FeedError, match=hint):
        parse_feed(start + b"\x80\x81" * 10)


# --- hostile values: refused, not misread -------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("drawSize", "1,5", "drawSize': expected a whole number, got '1,5'"),
        ("drawSize", "12,34", "expected a whole number"),
        ("drawSize", ",1500", "expected a whole number"),
        ("drawSize", "1,,500", "expected a whole number"),
        ("drawSize", "1,500 000", "expected a whole number"),  # two kinds of separator
        ("drawCRS", "3,99", "drawCRS': expected a whole number"),
        ("drawSize", "99999999999999999999", "implausible count"),
        ("drawSize", "9" * 5000, "implausible count of 5,000 digits"),
        ("drawSize", "100,000,000,000", "implausible count 100,000,000,000"),
        ("drawSize", 6000.5, "expected a whole number"),
        ("drawSize", {"n": "6"}, "expected a count, got an object"),
        ("drawDate", "12025-01-08", "cannot read a date"),
        ("drawDate", "2025-01-080", "cannot read a date"),
        ("drawDate", ["2025-01-08"], "expected a date as text, got a list"),
        ("drawDate", "9999-12-31", "implausible date '9999-12-31'"),
        ("drawDate", "1677-09-22", "implausible date"),
        ("drawName", False, "drawName': expected text, got false"),
        ("drawName", 5, "drawName': expected text"),
        ("drawName", "CEC \ud800", "unpaired surrogate"),
        ("drawText2", {"p": 1}, "drawText2': expected text, got an object"),
        ("drawNumber", True, "drawNumber': expected text, got true"),
        ("drawCutOff", False, "drawCutOff': expected a time as text, got false"),
        ("drawCutOff", "December 31, 9999 at 10:00:00 UTC", "implausible date"),
    ],
)
def test_hostile_values_are_refused_naming_the_field(field, value, match):
    with pytest.raises(FeedError, match=re.escape(match) if "'" in match else match):
        parse({"rounds": [_round("2", date="2025-01-09"), _round("1", **{field: value})]})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("6,000", 6000), ("6 000", 6000), ("6\u00a0000", 6000), ("+6000", 6000), ("6,000.00", 6000),
     ("\u0666\u0660\u0660\u0660", 6000), (6000, 6000), (6000.0, 6000), ("006000", 6000)],
)  # fmt: skip
def test_counts_in_every_harmless_form_read_the_same(value, expected):
    assert parse_count(value, where="x") == expected


def test_a_whole_round_number_reads_as_its_digits():
    feed = parse({"rounds": [_round(388.0, date="2025-01-09"), _round(387)]})
    assert list(feed.rounds["draw_number"]) == ["387", "388"]


def test_json_too_deep_or_too_long_is_one_error():
    deep = '{"rounds": [], "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(FeedError, match="nested deeper"):
        parse_feed(deep)
    with pytest.raises(FeedError, match="more than 4,300 digits"):
        parse_feed('{"rounds": [], "x": ' + "9" * 5000 + "}")
    with pytest.raises(FeedError, match="UTF-32"):
        parse_feed(b"\xff\xfe\x00\x00" + '{"rounds": []}'.encode("utf-32-le"))


def test_implausible_round_size_and_late_tie_break_are_findings(raw_copy):
    raw_copy["rounds"][0]["drawSize"] = "1,000,000"
    raw_copy["rounds"][0]["drawCutOff"] = "December 31, 2025 at 10:00:00 UTC"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parse_feed(json.dumps(raw_copy))
    text = " | ".join(str(w.message) for w in caught)
    assert "round #388: field 'drawSize' is 1,000,000, more than the largest pool" in text
    assert "round #388: tie-break time (drawCutOff) 2025-12-31 10:00 UTC is after the round" in text


def test_a_snapshot_dated_after_its_round_and_republished_cuts_cleanly(raw_copy):
    # #387 (2025-12-16) and #388 carry a snapshot dated 2025-12-17; #388 changes a band
    for i in (0, 1):
        raw_copy["rounds"][i]["drawDistributionAsOn"] = "December 17, 2025"
    raw_copy["rounds"][0]["dd5"] = "9,999"
    feed = parse(raw_copy)
    cut = feed.truncate(as_of="2025-12-16")
    assert pd.Timestamp("2025-12-17") not in set(cut.snapshots["as_of"])


def test_update_never_replaces_a_good_backup_with_a_corrupt_live_file(tmp_path, raw_payload):
    dest = tmp_path / "live.json"
    dest.write_text('{"rounds": [')  # truncated
    previous = tmp_path / "live.previous.json"
    good = _payload_without_newest(raw_payload, 1)
    previous.write_bytes(good)
    with pytest.warns(UserWarning, match="was not a valid feed.*last good copy"):
        _quiet_update(dest=dest, opener=_opener(json.dumps(raw_payload).encode()))
    assert previous.read_bytes() == good
    assert len(load_feed(dest).rounds) == 389


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"timeout": 0}, "timeout: expected a number from 0.1 to 3,600, got 0"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": float("inf")}, "timeout"),
        ({"max_bytes": -1}, "max_bytes: expected a whole number >= 1"),
        ({"url": "https://[bad/x"}, "not a valid URL"),
        ({"url": "https://www.canada.ca:99999/x"}, "not a valid URL"),
        ({"url": "https://www.canada.ca/x\nHost: example.org"}, "control character"),
    ],
)
def test_update_refuses_bad_arguments_before_the_network(tmp_path, kwargs, match):
    def never(request, timeout):
        raise AssertionError("no network access expected")

    with pytest.raises(EEForecastError, match=match):
        update(dest=tmp_path / "live.json", opener=never, **kwargs)
