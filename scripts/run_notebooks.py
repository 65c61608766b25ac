"""Execute the notebooks and save executed copies (``make notebooks``).

Usage: ``python scripts/run_notebooks.py [SOURCE_DIR [OUT_DIR]]`` (defaults: ``notebooks`` and
``notebooks/executed``). Each notebook runs top to bottom in a fresh kernel of the running
interpreter (the ``.venv`` one under ``make``); the executed copy is written atomically into
OUT_DIR, which git ignores. The source notebooks stay output-free. Exits with status 1 if any
notebook fails, naming the notebook and the failing cell.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Per-cell time limit [s].
CELL_TIMEOUT = 300


#: ipykernel's own kernel spec; jupyter_client starts it with the running interpreter
#: (``sys.executable``), so the notebooks see the same environment as the caller.
KERNEL = "python3"


def execute(path: Path, timeout: int = CELL_TIMEOUT):
    """Run one notebook in its own folder and return the executed notebook object."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no transport chatter on stderr
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=str(ROOT / "notebooks"))
    parser.add_argument("out", nargs="?", default=str(ROOT / "notebooks" / "executed"))
    args = parser.parse_args(argv)

    import nbformat
    from nbclient.exceptions import CellExecutionError

    from eeforecast.files import atomic_write

    source, out = Path(args.source), Path(args.out)
    notebooks = sorted(source.glob("*.ipynb"))
    if not notebooks:
        print(f"run_notebooks: no notebook in {source}", file=sys.stderr)
        return 1
    failed = 0
    for path in notebooks:
        start = time.perf_counter()
        try:
            nb = execute(path)
        except CellExecutionError as exc:
            failed += 1
            first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            print(f"FAILED {path.name}: {first}", file=sys.stderr)
            continue
        target = atomic_write(out / path.name, nbformat.writes(nb))
        print(f"ran {path.name} in {time.perf_counter() - start:.1f} s -> {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
