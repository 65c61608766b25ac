"""Writing the report: ``forecast.html`` with ``figures/*.png`` and ``*.svg`` (:func:`build_report`)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import config
from ..checks import as_generator
from ..errors import ParameterError
from ..files import check_folder, replace_files
from ..progress import bar as progress_bar
from .html import FIGURES, figure_bytes, render_html
from .pipeline import Report, Settings, run

__all__ = ["build_report", "write"]


def write(
    report: Report, out_dir: str | os.PathLike | None = None, *, progress: bool | None = None
) -> Path:
    """Write the report into ``out_dir`` (default :data:`eeforecast.config.REPORTS_DIR`).

    Writes ``forecast.html`` and ``figures/<stem>.png`` / ``.svg`` for every figure and returns
    the HTML's path. Every file is rendered in memory first, written into a temporary folder
    beside the target and checked, then the set is swapped in whole
    (:func:`eeforecast.files.replace_files`): a failure at any point (a full disk, the folder
    removed) leaves the old report as it was, never new figures beside an old page. Other files
    in ``out_dir`` are not touched.

    Raises
    ------
    OutputError
        Naming the file that could not be written.
    """
    out = Path(out_dir) if out_dir is not None else config.REPORTS_DIR
    files: dict[str, bytes] = {}
    bar = progress_bar(len(FIGURES), desc="rendering", unit="figure", show=progress)
    for stem in FIGURES:
        files[f"figures/{stem}.png"] = figure_bytes(report.figures[stem], "png")
        files[f"figures/{stem}.svg"] = figure_bytes(report.figures[stem], "svg")
        bar.update(1)
    bar.close()
    images = {stem: files[f"figures/{stem}.png"] for stem in FIGURES}
    files["forecast.html"] = render_html(report, images).encode("utf-8")
    replace_files(out, files)
    return out / "forecast.html"


def build_report(
    out_dir: str | os.PathLike | None = None,
    *,
    source: str | os.PathLike | None = None,
    as_of: object = None,
    rng: int | np.random.Generator | None = 20251217,
    n_paths: int | None = None,
    progress: bool | None = None,
    **settings,
) -> tuple[Path, Report]:
    """Run the pipeline and write the report; return ``(html_path, report)``.

    Parameters
    ----------
    out_dir : path, optional
        Output folder (default :data:`eeforecast.config.REPORTS_DIR`); nothing is written
        elsewhere. It is checked (a folder, or one that can be made, that can be written)
        before the computation starts.
    source, as_of
        As in :func:`eeforecast.data.load_feed`.
    rng : int, numpy.random.Generator or None
        Randomness of every draw: a seed (the same seed gives identical files), or a generator
        from which one seed is drawn; the report prints the seed it used.
    n_paths : int, optional
        Monte Carlo paths (default :class:`Settings`'s) [paths].
    progress : bool or None
        Progress on stderr: never with False, else only on a terminal.
    **settings
        Other :class:`Settings` fields (``horizon``, ``calibration_days``, ...).
    """
    if n_paths is not None:
        settings["n_paths"] = n_paths
    seed = rng if isinstance(rng, int | np.integer) and not isinstance(rng, bool) else None
    if seed is None or seed < 0:
        seed = int(as_generator(rng).integers(2**63))
    try:
        cfg = Settings(seed=int(seed), **settings)  # checks every value
    except TypeError as exc:
        raise ParameterError(f"report settings: {exc}") from None
    check_folder(out_dir if out_dir is not None else config.REPORTS_DIR, what="report folder")
    report = run(source, as_of=as_of, settings=cfg, progress=progress)
    path = write(report, out_dir, progress=progress)
    return path, report
