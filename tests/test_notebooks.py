"""The notebooks are thin, stripped, and run top to bottom on the bundled data."""

from __future__ import annotations

import importlib.util
import shutil

import nbformat
import pytest

from eeforecast import config

NOTEBOOKS = sorted((config.ROOT / "notebooks").glob("*.ipynb"))
NAMES = [p.name for p in NOTEBOOKS]


def _runner():
    spec = importlib.util.spec_from_file_location(
        "run_notebooks", config.ROOT / "scripts" / "run_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_notebooks_exist():
    assert NAMES == [
        "01-explore-draws.ipynb",
        "02-simulate-pool.ipynb",
        "03-forecast-and-backtest.ipynb",
        "04-policy-scenarios.ipynb",
        "05-crs-and-odds.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_thin_and_stripped(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and "eeforecast" in code[0].source
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, "outputs must be stripped"
        for line in cell.source.splitlines():
            stripped = line.lstrip()
            assert not stripped.startswith(("def ", "class ", "async def ")), line
            assert "lambda" not in stripped, line


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_executes(path, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(path, source / path.name)
    out = tmp_path / "executed"
    assert _runner().main([str(source), str(out)]) == 0  # run times: benchmarks/bench_notebooks.py
    executed = nbformat.read(out / path.name, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], (
        "warnings spilled into the notebook"
    )
    assert any("image/png" in o.get("data", {}) for o in outputs), "no figure shown"
    assert nbformat.read(path, as_version=4).cells[1].outputs == []  # the source stays stripped


def test_runner_reports_a_failing_notebook(tmp_path, capsys):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('boom')")])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    (tmp_path / "src").mkdir()
    nbformat.write(nb, tmp_path / "src" / "bad.ipynb")
    assert _runner().main([str(tmp_path / "src"), str(tmp_path / "out")]) == 1
    assert "FAILED bad.ipynb" in capsys.readouterr().err
    assert not (tmp_path / "out" / "bad.ipynb").exists()
