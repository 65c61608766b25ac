"""Stage 1, data: IRCC's rounds feed read into tidy frames, the round-type taxonomy, ``update``.

=====================  ===================================================================
``feed``               :class:`Feed` (rounds, snapshots, totals, findings), the field map
``parse``              the reader: every quirk of IRCC's values and layout
``load``               which file is read (:func:`default_source`), :func:`load_feed`, :func:`as_feed`
``categories``         round names -> category slugs (:func:`categorize`)
``processed``          ``data/processed/`` CSV files (:func:`write_processed`)
``fetch``              fetch the live feed safely (:func:`update`)
=====================  ===================================================================

Examples
--------
>>> from eeforecast.data import load_feed
>>> feed = load_feed(as_of="2024-03-26")
>>> last = feed.rounds.iloc[-1]
>>> last["draw_number"], last["category"], int(last["invitations"]), int(last["cutoff"])
('291', 'french', 1500, 388)
"""

from .categories import CATEGORIES, LABELS, NewCategoryWarning, categorize
from .feed import FIELDS, LEAF_FIELDS, Feed, FeedNote, FeedWarning, SnapshotRevision
from .fetch import update
from .load import as_feed, default_source, load_feed, read_feed
from .parse import parse_count, parse_date, parse_feed, parse_timestamp
from .processed import write_processed

__all__ = [
    "CATEGORIES",
    "FIELDS",
    "LABELS",
    "LEAF_FIELDS",
    "Feed",
    "FeedNote",
    "FeedWarning",
    "NewCategoryWarning",
    "SnapshotRevision",
    "as_feed",
    "categorize",
    "default_source",
    "load_feed",
    "parse_count",
    "parse_date",
    "parse_feed",
    "parse_timestamp",
    "read_feed",
    "update",
    "write_processed",
]
