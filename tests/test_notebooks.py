"""The notebooks in notebooks/: committed without outputs, and every cell runs cleanly.

Each notebook starts its own sandbox on 127.0.0.1, so executing them needs no token.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
KERNEL = "python3"


def test_the_notebooks_exist() -> None:
    assert {path.name for path in NOTEBOOKS} >= {"quickstart.ipynb", "failures_tour.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_committed_notebook_has_no_outputs(path: Path) -> None:
    import nbformat  # slow to load (it brings jsonschema): imported where used

    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} carry outputs or execution counts; clear them "
        "(e.g. `jupyter nbconvert --clear-output --inplace`) before committing"
    )
    assert notebook.metadata.get("kernelspec", {}).get("name") == KERNEL


@pytest.fixture(scope="session")
def kernel_name() -> str:
    """The python3 kernel of this environment, installed into it if it cannot be found."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL],
            check=True,
            capture_output=True,
        )
    return KERNEL


@pytest.mark.timeout(150)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_without_errors(
    path: Path, kernel_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)  # the sandbox's token is used
    monkeypatch.delenv("HUBSPOT_BASE_URL", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the kernel's temporary files stay in here
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=60,
        kernel_name=kernel_name,
        allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    errors = [output for output in outputs if output.get("output_type") == "error"]
    assert not errors
    explorer_views = [
        output
        for output in outputs
        if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        and "hubassoc results" in output["data"].get("text/plain", "")
    ]
    assert explorer_views, "the explorer was not displayed"
    assert "VBox(" not in explorer_views[0]["data"]["text/plain"]
