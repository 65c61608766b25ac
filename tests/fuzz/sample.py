"""What ``tests/test_fuzz.py`` runs beyond the in-process loops (``explore.py`` runs everything).

The seed and the number of random feed variants are shared by the test module and explore.py,
so both judge the same catalogue.
"""

#: Seed of the random feed variants.
SEED = 20251217

#: Seeded random feed variants (on top of the deterministic cases of every class).
N_RANDOM = 700

#: Feed cases that also go through forecast and simulate (full feed) in the test module: a
#: shuffle, the quoted findings that reached the models, and the feeds refused on reading.
EXPENSIVE_SAMPLE = [
    "order/shuffle/0",
    "structure/snapshot-after-round-republished",
    "dates/drawDate/year-2262-in",
    "nesting/ignored-field/list/1000",
    "numbers/drawSize/comma-2/newest",
    "sizes/drawSize/100,000,000,000",
]

#: File cases that need a subprocess (they block or fill memory in C code when mishandled).
FILE_SUBPROCESS = [
    "files/source/fifo",
    "files/source/dev-zero",
    "files/source/unix-socket",
    "files/source/unreadable",
    "files/source/sparse-3GB",
    "files/schedule/fifo",
    "files/schedule/dev-zero",
    "files/schedule/unreadable",
    "files/schedule/daily-to-9999",
]

#: File cases that cannot block or fill memory whatever the code does (a folder, a missing
#: file, a symlink loop, /dev/null): run in-process with the schedule contents.
FILE_INPROCESS = [
    "files/source/dev-null",
    "files/source/proc-status",
    "files/source/folder",
    "files/source/symlink-loop",
    "files/source/dangling-symlink",
    "files/source/name-too-long",
    "files/schedule/dev-null",
    "files/schedule/folder",
    "files/schedule/missing",
    "files/schedule/to-2262",
]

#: File cases left to explore.py: a 200 MB file to write, /dev/urandom, and schedules of
#: 10,000 rounds, 2,000 rules or daily rounds to 2100 (each a long simulation; the warning
#: flood of the last is guarded here by files/schedule/daily-to-2027).
FILE_EXPLORE_ONLY = [
    "files/source/dev-urandom",
    "files/source/padded-200MB",
    "files/schedule/rounds-10000",
    "files/schedule/rules-2000",
    "files/schedule/daily-to-2100",
]

#: Update cases against the local HTTPS server (each ~1 s): every finding of the update path
#: and the core behaviours (replace, identical, older, corrupt payloads).
UPDATE_SAMPLE = [
    "update/replace/good-live-and-previous",
    "update/identical",
    "update/older/refused",
    "update/payload/corrupt",
    "update/payload/deep",
    "update/payload/huge-count",
    "update/payload/year-9999",
    "update/payload/grouping-1,5",
    "update/timeout/zero",
    "update/timeout/nan",
    "update/timeout/inf",
    "update/max-bytes/negative",
    "update/url/bad-ipv6",
    "update/local/live-corrupt-previous-good",
    "update/local/live-corrupt-no-previous",
    "update/local/disk-full",
]

#: Report cases of the writing catalogue (the refusals are fast; a full disk runs the whole
#: pipeline, slow).
REPORT_SAMPLE = [
    "writing/report/out-is-file",
    "writing/report/out-inside-file",
    "writing/report/out-read-only",
    "writing/report/disk-full-at-html",
]
