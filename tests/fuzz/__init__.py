"""Adversarial ("fuzz") harness for the ``eeforecast`` command.

Independent of the package's internals: it knows IRCC's feed format (``data/raw/README.md``), the
command line (one table, :mod:`fuzz.surface`) and the entry point ``eeforecast.cli.main(argv)``.

The contract checked for every case: **a valid result or one clear error line (exit status 2),
never a traceback or a hang**, no silent wrong answer, no half-written file after a failed run,
and ``update`` never loses the last good copy.

Modules
-------
surface   the command-line surface: every argv the harness builds comes from its tables
feeds     a seeded generator of mutated IRCC feeds (bytes), by class, each with an oracle
args      bad command-line arguments per subcommand, with oracles
files     hostile files given as ``--source`` or ``--schedule`` (FIFO, /dev/zero, folders, ...)
updates   ``eeforecast update`` against a local HTTPS server (loopback only)
writing   output folders that are read-only, full, vanishing, or a file
runner    runs one case (in-process with a watchdog, or in a subprocess with a hard time limit)
          and classifies the outcome
findings  the known root causes (ids used by the catalogue and the xfail marks)
explore   driver: runs the whole catalogue on 2 cores, prints class x outcome counts
"""
