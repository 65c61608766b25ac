"""The report's HTML: the template, the tables rendered, and figures as deterministic bytes."""

from __future__ import annotations

import base64
import html
import io
import re
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import __version__
from ..odds_calibration import CALIBRATION_MONTHS
from ..plots import label

if TYPE_CHECKING:  # for annotations only: the pipeline imports this module
    from .pipeline import Report

__all__ = ["FIGURES", "figure_bytes", "fmt_date", "fmt_int", "fmt_signed", "render_html"]

#: Figure file stems, in report order.
FIGURES: tuple[str, ...] = (
    "01-cutoff-history",
    "02-invitations",
    "03-pool",
    "04-backlog",
    "05-forecast",
    "06-backtest",
    "07-odds",
    "08-records",
)


_SVG_SALT = "eeforecast"


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """Render ``fig`` as PNG or SVG bytes, deterministically (no dates, fixed SVG ids).

    The figure's layout is computed on the first call and frozen, so every later call (PNG or
    SVG) draws the same positions.
    """
    if fig.get_layout_engine() is not None:
        # Constrained layout starts each draw from the previous one, so a second render can move
        # things by a fraction of a pixel: lay out once, then freeze the positions.
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
    buf = io.BytesIO()
    meta = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    with matplotlib.rc_context({"svg.hashsalt": _SVG_SALT, "svg.fonttype": "path"}):
        fig.savefig(buf, format=fmt, metadata=meta)
    data = buf.getvalue()
    if fmt == "svg":
        data = _stable_svg_ids(data)
    return data


_CLIP_ID = re.compile(rb"\b(p[0-9a-f]{10})\b")


def _stable_svg_ids(svg: bytes) -> bytes:
    """Renumber the SVG's clip-path ids in order of first use: matplotlib derives some of them
    from object addresses, which differ from run to run."""
    ids: dict[bytes, bytes] = {}
    for match in _CLIP_ID.finditer(svg):
        ids.setdefault(match.group(1), b"clip%04d" % len(ids))
    return _CLIP_ID.sub(lambda m: ids[m.group(1)], svg)


def fmt_int(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "\u2013"
    return f"{float(value):,.0f}"


def fmt_signed(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "\u2013"
    return f"{float(value):+,.0f}"


def fmt_date(value) -> str:
    return "\u2013" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="{"num" if i >= numeric_from else "txt"}">{cell}</td>'
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _summary_html(report: Report) -> str:
    rows = []
    for r in report.summary.itertuples():
        interval = (
            f"{fmt_int(r.cutoff_lo_80)}\u2013{fmt_int(r.cutoff_hi_80)}"
            if isinstance(r.cutoff_lo_80, int | float | np.number) and np.isfinite(r.cutoff_lo_80)
            else "\u2013"
        )
        rows.append(
            [
                html.escape(label(r.category)),
                f"#{html.escape(str(r.last_round))} {fmt_date(r.last_date)}",
                fmt_int(r.last_invitations),
                fmt_int(r.last_cutoff),
                fmt_date(r.date),
                f"<b>{fmt_int(r.cutoff)}</b>",
                interval,
                html.escape(str(r.model)) if isinstance(r.model, str) else "\u2013",
            ]
        )
    table = _table(
        [
            "Category",
            "Latest round",
            "Invited",
            "Cutoff",
            "Next round (expected)",
            "Forecast cutoff",
            "80% interval",
            "Model",
        ],
        rows,
    )
    ps = report.pool_summary
    projected = "projected" in ps
    pool_rows = []
    for r in ps.itertuples():
        row = [
            html.escape(r.quantity),
            fmt_date(r.as_of),
            fmt_int(r.value),
            f"{fmt_signed(r.change_4w)} (since {fmt_date(r.since_4w)})",
            f"{fmt_signed(r.change_12w)} (since {fmt_date(r.since_12w)})",
        ]
        if projected:
            row.append(
                f"{fmt_int(r.projected)} ({fmt_int(r.projected_lo_80)}\u2013"
                f"{fmt_int(r.projected_hi_80)})"
            )
        pool_rows.append(row)
    header = [
        "Pool",
        "Snapshot",
        "Candidates",
        "Change over 4+ weeks",
        "Change over 12+ weeks",
    ]
    if projected:
        header.append(f"Projected on {fmt_date(ps['projected_date'].iloc[0])} (80%)")
    return table + _table(header, pool_rows) + _clearance_html(report)


def _clearance_html(report: Report) -> str:
    """One sentence on the pace at which the backlog above the threshold falls."""
    res = report.backlog_result
    if res is None or res.clearance.empty:
        return ""
    c = res.clearance.iloc[0]
    above = (
        f"candidates at or above {report.settings.threshold} (about {fmt_int(c['above_now'])} after "
        "the rounds held since the latest snapshot)"
    )
    if np.isfinite(c["weeks_to_clear"]):
        lo, hi = c.get("weeks_to_clear_lo_80", np.nan), c.get("weeks_to_clear_hi_80", np.nan)
        span = f"{fmt_int(lo)}\u2013{fmt_int(hi)}" if np.isfinite(hi) else f"{fmt_int(lo)} or more"
        text = (
            f"At the forecast pace of rounds the {above} fall by about "
            f"{fmt_int(c['pace_per_week'])} a week: about {fmt_int(c['weeks_to_clear'])} weeks "
            f"to clear them (80%: {span} weeks)."
        )
    else:
        text = (
            f"At the forecast pace of rounds the {above} do not fall (net change about "
            f"{fmt_signed(-c['pace_per_week'])} a week): the backlog is not cleared."
        )
    return f"<p>{html.escape(text)}</p>"


def _backtest_html(report: Report) -> str:
    bt = report.backtest
    if bt is None or bt.empty:
        return "<p class='missing'>The backtest is not available in this build.</p>"
    step1 = bt[bt["step"] == bt["step"].min()]
    pivot = step1.pivot_table(index="category", columns="model", values="mae", aggfunc="mean")
    first = [m for m in ("naive", "auto") if m in pivot.columns]
    models = first + [m for m in pivot.columns if m not in first]
    pivot = pivot[models]
    counts = step1.groupby("category")["n"].max() if "n" in step1 else None
    rows = []
    for cat, vals in pivot.iterrows():
        best = vals.idxmin()
        cells = [html.escape(label(cat))]
        if counts is not None:
            cells.append(fmt_int(counts.get(cat)))
        cells += [
            (f"<b>{v:.1f}</b>" if m == best else f"{v:.1f}") if np.isfinite(v) else "\u2013"
            for m, v in vals.items()
        ]
        rows.append(cells)
    header = (
        ["Category"]
        + (["Rounds"] if counts is not None else [])
        + [("auto (chosen)" if m == "auto" else m) + " MAE" for m in models]
    )
    rows_all = report.backtest_rows
    first, last = rows_all["origin"].min(), rows_all["origin"].max()
    return (
        "<p>One-round-ahead mean absolute error of the cutoff [CRS points] in the rolling-origin "
        f"backtest with origins from {fmt_date(first)} to {fmt_date(last)}: at each origin the "
        "models saw only the rounds and snapshots known by then. It is the backtest that chose "
        "each category's model (<i>auto</i>) and calibrated the intervals. The naive forecast "
        "(the category's previous cutoff) is beside every model and the best of each row is bold; "
        "where naive is bold, no model beat it.</p>" + _table(header, rows)
    )


def _subpools_html(report: Report) -> str:
    """The plausibility table of the category sub-pools (:meth:`PoolModel.subpools`)."""
    frame = report.subpools
    if frame is None or frame.empty:
        return ""
    rows = []
    for r in frame.itertuples(index=False):
        status = r.regime.replace("_", "-")
        if r.stale:
            status = "stale" + (", included" if r.included else ", left out")
        if not str(r.source).startswith("fitted"):
            status += f"; {r.source}"
        rows.append(
            [
                html.escape(label(r.category)),
                f"{fmt_int(r.eligible_ge_450)} ({fmt_int(r.eligible_ge_450_lo_80)}\u2013"
                f"{fmt_int(r.eligible_ge_450_hi_80)})",
                f"{fmt_int(r.eligible_ge_500)} ({fmt_int(r.eligible_ge_500_lo_80)}\u2013"
                f"{fmt_int(r.eligible_ge_500_hi_80)})",
                f"{r.share_of_pool:.0%}",
                fmt_int(r.floor),
                (
                    f"{r.share_below:.2f} ({r.share_below_lo:.2f}\u2013{r.share_below_hi:.2f})"
                    if r.category != "pnp"
                    else "\u2013"
                ),
                fmt_int(r.rounds_12m),
                f"{fmt_date(r.last_round)} @ {fmt_int(r.last_cutoff)}",
                html.escape(status),
            ]
        )
    intro = (
        "<h3 id='subpools'>Category sub-pools: what the rounds revealed</h3><p>Candidates "
        "eligible for each category after the latest rounds (80% range of the simulation's "
        "draws). A category's rounds reveal its stock only at or above their cutoffs: the "
        "floor is the lowest cutoff of its last 12 months, and below it the eligible share is "
        "an assumption, drawn per path in the range shown. Stale categories (no round in 12 "
        "months) are left out of the simulation; PNP rounds invite every nominee in the pool "
        "when the data show it (invite-all).</p>"
    )
    header = ["Category", "\u2265 450", "\u2265 500", "Of pool", "Floor", "Share below floor",
              "Rounds (12 m)", "Last round", "Status"]  # fmt: skip
    return intro + _table(header, rows, 1)


def _assumptions_html(report: Report) -> str:
    """What the schedule simulation assumed per category, and its run-dry shares."""
    proj = report.projection
    if proj is None or proj.assumptions is None or proj.assumptions.empty:
        return ""
    dry = report.dry.set_index("category") if report.dry is not None else None
    rows = []
    for r in proj.assumptions.itertuples(index=False):
        share = (
            dry.loc[r.category, "dry_share"] if dry is not None and r.category in dry.index else 0
        )
        rows.append(
            [
                html.escape(label(r.category)),
                html.escape(r.regime.replace("_", "-")),
                fmt_int(r.floor),
                f"{r.share_above:.2f}",
                (
                    f"{r.share_below:.2f} ({r.share_below_lo:.2f}\u2013{r.share_below_hi:.2f})"
                    if r.category != "pnp"
                    else "\u2013"
                ),
                "\u2013" if np.isnan(r.level_sd) else f"{r.level_sd:.2f}",
                f"{r.refill_sd:.2f}",
                "by design" if r.regime == "invite_all" else f"{share:.0%}",
                html.escape(str(r.source)),
            ]
        )
    header = ["Category", "Regime", "Floor", "Share above", "Share below (range)", "Level sd",
              "Refill sd", "Runs dry", "Source"]  # fmt: skip
    left = (
        f" Left out (stale): {html.escape(', '.join(label(c) for c in proj.left_out))}."
        if proj.left_out
        else ""
    )
    return (
        "<h3 id='assumptions'>What the simulation assumed</h3><p>Per simulated category: the "
        "revealed floor, the steady eligible share above it and the share assumed below it "
        "(median and per-path range), the per-path spreads of its stock and refill, and the "
        f"share of paths on which one of its rounds runs dry.{left}</p>" + _table(header, rows, 2)
    )


def _calibration_html(report: Report) -> str:
    """What the odds of figure 7 were calibrated on: the origins and the residuals per category
    and span, from the run."""
    fits = report.calibrations
    if not fits:
        return (
            "<h3 id='odds-calibration'>The odds</h3><p>Figure 7 shows the simulated odds, not "
            "calibrated on the simulation's past errors.</p>"
        )
    withins = list(dict.fromkeys(w for _, w in fits))
    cats = list(dict.fromkeys(c for c, _ in fits))
    rows = []
    for cat in cats:
        cells = [html.escape(label(cat))]
        for w in withins:
            cal = fits[cat, w]
            n = len(cal.residuals)
            cells.append(fmt_int(n) if cal.usable else f"{fmt_int(n)} (simulated)")
        rows.append(cells)
    origins = [t for cal in fits.values() for t in cal.origins]
    first = min(origins) if origins else None
    last = max(origins) if origins else None
    any_cal = next(iter(fits.values()))
    span = f" (here {fmt_date(first)} to {fmt_date(last)})" if first is not None else ""
    regime = [c for c in cats if any(any(fits[c, w].regime) for w in withins)]
    text = (
        "<h3 id='odds-calibration'>How the odds were calibrated</h3><p>The simulated spread of "
        "a window's lowest cutoff is what the model knows, and the odds backtest shows it too "
        "narrow. Figure 7 therefore shows the odds calibrated on the simulation's own past "
        "errors. At the first day of every month of the "
        f"{CALIBRATION_MONTHS} months before "
        f"{fmt_date(report.as_of)} whose window had ended by then{span}, the forecast schedule "
        f"was projected on the data of that day ({report.settings.calibration_paths:,} paths, "
        "one projection per origin shared by every category and span, apart from the day's "
        "simulation); a residual is the actual lowest cutoff of the rounds a candidate is "
        "eligible for in the window minus the projection's median. Every simulated path's "
        "lowest cutoff is moved by every residual, each pair equally likely. With fewer than "
        f"{any_cal.min_residuals} residuals the simulated odds are kept (marked below and in "
        "the figure). A longer span has fewer origins, and older ones, whose window had ended: "
        "each span is calibrated on its own errors, and where the 6-month curve would dip below "
        "the 3-month one it takes its value (an invitation within 3 months is one within 6). "
        "The odds backtest measures the calibrated odds at 3, 6 and 12 months against simple "
        "baselines; the figure stops at 6 months."
    )
    if regime:
        names = ", ".join(html.escape(label(c)) for c in regime)
        text += (
            f" For {names}, whose rounds invite every nominee on the day, only origins in the "
            "same regime count."
        )
    header = ["Category", *[f"Residuals within {w}" for w in withins]]
    return text + "</p>" + _table(header, rows, 1)


def _by_size_html(report: Report) -> str:
    table = report.by_size
    if table is None or table.empty:
        return ""
    rows = []
    for cat, part in table.groupby("category", sort=False):
        for i, r in enumerate(part.itertuples()):
            rows.append(
                [
                    html.escape(label(cat)) if i == 0 else "",
                    fmt_date(r.date) if i == 0 else "",
                    fmt_int(r.invitations),
                    f"<b>{fmt_int(r.cutoff)}</b>",
                    f"{fmt_int(r.cutoff_lo_80)}\u2013{fmt_int(r.cutoff_hi_80)}",
                    (
                        "invites every nominee (its size is the stock)"
                        if r.exhausted_share >= 0.999 and r.dry_share == 0
                        else f"runs dry in {r.dry_share:.0%} of paths"
                        if r.dry_share >= 0.05
                        else ""
                    ),
                ]
            )
    intro = (
        "<h3 id='by-size'>The next round's cutoff by its size</h3><p>The round's size, which "
        "IRCC publishes only with the round, moves the cutoff more than anything a forecast can "
        "know (the documentation's backtest results measure by how much). Here, for the sizes "
        "of each category's rounds of the past year (smallest, quartiles, largest), the "
        "simulated cutoff if that round comes next on its expected day: median and 80% "
        "interval. The summary's forecast does not know the size; these rows each assume one. "
        "The last column gives the share of paths in which the round runs dry, asking for "
        "more than are eligible (it then invites them all, and its cutoff on that path is the "
        "lowest score among them).</p>"
    )
    header = ["Category", "Expected day", "Invitations", "Cutoff", "80% interval", "Note"]
    return intro + _table(header, rows, 2)


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1180px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.lead{color:#555;margin-top:0}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}
th,td{padding:.3em .7em;border-bottom:1px solid #e3e3e3}th{text-align:left;background:#f5f5f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:2em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#444;font-size:.95em}.links{font-size:.85em;color:#666}
.missing{color:#a50f15}.notes li{font-size:.9em;color:#555}
footer{margin-top:3em;color:#777;font-size:.85em}
"""


def _caption(report: Report, stem: str) -> str:
    captions = {
        "01-cutoff-history": "Every round's cutoff by category; point area grows with the "
        "invitations; the last three years are shaded and drawn opaque.",
        "02-invitations": "Invitations per month over the last four years and per year since "
        "the first round, stacked by category.",
        "03-pool": "IRCC's published bands (as candidates per CRS point) and the pool model's "
        "fitted 1-point density, in the latest snapshot and one a year earlier.",
        "04-backlog": f"The pool total and the candidates at or above {report.settings.threshold} in "
        "every published snapshot, and their projection under the forecast round schedule.",
        "05-forecast": "Actual cutoffs of each main category's recent rounds and the forecast "
        "of its next rounds with 80% and 95% intervals.",
        "06-backtest": "Mean absolute error of each model by horizon (all categories), against "
        "naive; and the share of actual cutoffs inside the intervals against their nominal level.",
        "07-odds": "Probability that a candidate with a given CRS score, eligible for the "
        "category shown (and always for general rounds), is invited within 3 and 6 months"
        + (
            ", calibrated on the simulation's errors at earlier monthly origins (see the "
            "methods); a curve marked simulated had too few of them."
            if report.calibrations
            else ", as simulated."
        ),
        "08-records": "The largest rounds ever, the largest round of each category and the lowest "
        "and highest cutoff of each category, with round numbers and dates.",
    }
    return captions[stem]


def render_html(report: Report, images: dict[str, bytes]) -> str:
    """The report's HTML, with the PNG ``images`` (stem -> bytes) embedded."""
    day = f"{report.as_of:%Y-%m-%d}"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Express Entry forecast \u2014 {day}</title><style>{_CSS}</style></head><body>",
        f"<h1>Express Entry: rounds, pool and forecasts</h1><p class='lead'>Data as of {day} "
        f"({len(report.feed.rounds)} rounds, the latest #{report.feed.rounds['draw_number'].iloc[-1]}"
        f"). Seed {report.settings.seed}, {report.settings.n_paths:,} Monte Carlo paths.</p>",
        "<h2 id='summary'>Summary</h2>",
        "<p>Latest round of each main active category and the forecast of its next round "
        "(median and 80% prediction interval); below, the pool's size and trend.</p>",
        _summary_html(report),
        _subpools_html(report),
        _by_size_html(report),
        "<h2 id='figures'>Figures</h2>",
    ]
    for i, stem in enumerate(FIGURES, start=1):
        data = base64.b64encode(images[stem]).decode("ascii")
        parts.append(
            f"<figure id='{stem}'><img alt='Figure {i}' src='data:image/png;base64,{data}'>"
            f"<figcaption><b>Figure {i}.</b> {html.escape(_caption(report, stem))} "
            f"<span class='links'>[<a href='figures/{stem}.png'>PNG</a> \u00b7 "
            f"<a href='figures/{stem}.svg'>SVG</a>]</span></figcaption></figure>"
        )
    parts += ["<h2 id='backtest'>Backtest</h2>", _backtest_html(report)]
    parts += [
        "<h2 id='methods'>Methods and assumptions</h2>",
        _METHODS,
        _calibration_html(report),
        _assumptions_html(report),
    ]
    if report.notes:
        items = "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
        parts.append(f"<h2 id='notes'>Data notes</h2><ul class='notes'>{items}</ul>")
    parts.append(
        "<footer>Source: IRCC Express Entry rounds of invitations, Open Government Licence \u2013 "
        f"Canada. Built by eeforecast {__version__}. Forecasts are statistical estimates, not "
        "immigration advice.</footer></body></html>"
    )
    return "\n".join(parts) + "\n"


_METHODS = """
<ul>
<li><b>Data.</b> IRCC's public feed of rounds of invitations: each round's date, type, invitations
and cutoff, and the pool's distribution by CRS band published with most rounds since 2022. Nothing
after the as-of date is used.</li>
<li><b>Pool.</b> The 15 published bands are turned into candidates at each CRS score (a smooth
density that reproduces every band total); category sub-pools are estimated from past category
rounds, which reveal a category's stock only at or above their cutoffs: below its revealed floor
(the lowest cutoff of its last 12 months) the eligible share is an assumption with a range, drawn
per simulated path; nominees count for PNP and general rounds only; a category without a round in
12 months is stale and left out. Net inflow per score from consecutive snapshots after adding back
the invited.</li>
<li><b>PNP.</b> When the latest PNP rounds invited as many as the nominees in the snapshot
published with them (median ratio at least 0.97), every nominee in the pool is invited: a round's
size is the nominations since the previous one and its cutoff the lowest of their scores, which
falls as the stock grows (the minimum of N draws from the nominees' lower tail, fitted on the
past PNP rounds). Otherwise a round invites the top N of the nominees.</li>
<li><b>Forecasts.</b> Baselines (naive = previous cutoff of the category) always run beside the
statistical models; the model shown per category is chosen by its recent one-round-ahead
backtest errors, not by in-sample fit, and stays on <i>combo</i> (the mean of naive, ETS, AR(1)
and ARX) unless another model's error is more than 10% lower, so the backtest table's best
model is not always the one shown; intervals are widened or narrowed so that their backtest
coverage matches the nominal level, and never narrow with the horizon. The forecasts do not
know the next round's size, which moves the cutoff most (see the table by size).</li>
<li><b>Backlog and odds.</b> The forecast round schedule (each active category at its recent
pace, each round's size drawn from the category's last 12 sizes) is simulated many times on the
fitted pool with random inflow. The backlog projection reads the pool after each week; a candidate
is invited in a round of a category they are eligible for (general rounds always count) when
their score is above the round's cutoff, or equal to it with the share of tied candidates invited;
a round that runs out of eligible candidates invites all of them. The score is assumed fixed over
the horizon and the profile active throughout; IRCC may change the schedule or the categories at
any time. Where the simulation disagrees with the statistical forecast, or a category's simulated
sub-pool runs out, the notes and figure 7 say so.</li>
<li><b>Not modelled.</b> Policy changes (new categories, points removed, as on 2025-03-25),
unannounced pauses, and the candidate's own profile date (ties are broken by it).</li>
</ul>
"""
