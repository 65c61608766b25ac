"""``data/processed/``: the tidy frames of a feed as CSV files (``eeforecast data``)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from ..files import replace_files
from ..scores import BANDS
from .feed import Feed

__all__ = ["write_processed"]


def write_processed(feed: Feed, out_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write the tidy frames as CSV files in ``out_dir`` (default ``data/processed``).

    Files: ``rounds.csv``, ``snapshots.csv`` (long: as_of, band_lo, band_hi, candidates),
    ``snapshot_totals.csv``, ``snapshots_wide.csv`` (one row per snapshot, one column per band) and
    ``issues.txt`` (the feed's data-quality findings, one a line). Counts are written as whole
    numbers when they are. Every file's content is built first, then the files are swapped in
    together (:func:`eeforecast.files.replace_files`): a failure leaves the old set in place,
    never one file of a new feed beside the others of an old one.

    Raises
    ------
    OutputError
        A file cannot be written (named); the folder is as it was.
    """
    out = Path(out_dir) if out_dir is not None else config.PROCESSED_DIR
    wide = feed.snapshots.assign(
        band=feed.snapshots["band_lo"].astype(str) + "-" + feed.snapshots["band_hi"].astype(str)
    ).pivot(index="as_of", columns="band", values="candidates")
    wide = wide.reindex(columns=[f"{lo}-{hi}" for lo, hi in BANDS]).reset_index()
    wide.columns.name = None
    frames = {
        "rounds.csv": feed.rounds,
        "snapshots.csv": feed.snapshots,
        "snapshot_totals.csv": feed.totals,
        "snapshots_wide.csv": wide,
    }
    contents = {
        name: _whole_counts(frame).to_csv(index=False, lineterminator="\n")
        for name, frame in frames.items()
    }
    contents["issues.txt"] = "".join(f"{issue}\n" for issue in feed.issues)
    return replace_files(out, {name: text.encode("utf-8") for name, text in contents.items()})


def _whole_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its float columns as int64 where every value is a whole number."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_float_dtype(values.dtype):
            array = values.to_numpy()
            if np.isfinite(array).all() and (array == np.round(array)).all():
                out[column] = values.astype("int64")
    return out
