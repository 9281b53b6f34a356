"""The documentation's sources hold together, checked without building the site: every page a
toctree lists exists and every page is listed, the API reference names the whole public
surface, and the README stays a short front page whose links resolve and whose two commands
are the ones the project promises.

The site itself is built, with warnings as errors, by `.ci/run`.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import hubassoc_pandas
from hubassoc_pandas.accessor import HubAssocAccessor

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
SUFFIXES = (".md", ".rst", ".ipynb")
#: The documentation's copy of the repository's notebooks, made at build time.
NOTEBOOK_COPIES = "notebooks/"
#: Included into another page rather than built on its own (docs/conf.py excludes it).
INCLUDED = {"architecture.md"}
README_MAX_LINES = 200
DEMO = "    python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/hubassoc demo"
TESTS = (
    '    python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/python -m pytest'
)


def source_pages() -> list[Path]:
    """Every page of the site's sources, the build's own output and copies left out."""
    return sorted(
        path
        for suffix in (".md", ".rst")
        for path in DOCS.rglob(f"*{suffix}")
        if path.relative_to(DOCS).parts[0] not in ("_build", "notebooks")
        and path.relative_to(DOCS).as_posix() not in INCLUDED
    )


def toctree_entries(page: Path) -> list[str]:
    """The entries of every toctree of a MyST or reStructuredText page."""
    entries: list[str] = []
    lines = page.read_text().splitlines()
    inside = False
    for line in lines:
        stripped = line.strip()
        if stripped in ("```{toctree}", ".. toctree::"):
            inside = True
            continue
        if not inside:
            continue
        if stripped == "```" or (page.suffix == ".rst" and line and not line[0].isspace()):
            inside = False
            continue
        if stripped and not stripped.startswith(":"):
            entries.append(stripped)
    return entries


def page_of(page: Path, entry: str) -> Path | None:
    """The source file a toctree entry of ``page`` names, None when there is none."""
    name = (page.parent / entry).resolve().relative_to(DOCS).as_posix()
    if name.startswith(NOTEBOOK_COPIES):
        base = ROOT / "notebooks" / name.removeprefix(NOTEBOOK_COPIES)
    else:
        base = DOCS / name
    candidates = [base] if base.suffix in SUFFIXES else [base.with_suffix(s) for s in SUFFIXES]
    return next((path for path in candidates if path.is_file()), None)


def test_every_page_a_toctree_lists_exists() -> None:
    missing = [
        f"{page.relative_to(ROOT)}: {entry}"
        for page in source_pages()
        for entry in toctree_entries(page)
        if page_of(page, entry) is None
    ]
    assert not missing, missing


def test_every_page_is_reached_from_the_index() -> None:
    """Sphinx warns (an error with -W) about a page no toctree lists; so does this, sooner."""
    reached: set[Path] = set()
    todo = [DOCS / "index.md"]
    while todo:
        page = todo.pop()
        if page in reached:
            continue
        reached.add(page)
        for entry in toctree_entries(page):
            found = page_of(page, entry)
            if found is not None and found.suffix != ".ipynb":
                todo.append(found)
    assert set(source_pages()) - reached == set()


def test_every_notebook_is_a_page_of_the_site() -> None:
    listed = {
        entry.removeprefix(NOTEBOOK_COPIES) for entry in toctree_entries(DOCS / "examples.md")
    }
    assert listed == {path.stem for path in (ROOT / "notebooks").glob("*.ipynb")}


def test_the_architecture_notes_are_included_where_they_are() -> None:
    assert (DOCS / "architecture.md").is_file()
    assert "```{include} ../architecture.md" in (DOCS / "guide" / "architecture.md").read_text()


def test_the_api_reference_documents_the_public_surface() -> None:
    reference = "\n".join(path.read_text() for path in (DOCS / "api").glob("*.rst"))
    documented = set(re.findall(r"^\.\. auto\w+:: (?:\w+\.)*?(\w+)\s*$", reference, re.M))
    assert set(hubassoc_pandas.__all__) - documented == set()
    methods = {
        name
        for name in dir(HubAssocAccessor)
        if not name.startswith("_") and callable(getattr(HubAssocAccessor, name))
    }
    accessor = (DOCS / "api" / "accessor.rst").read_text()
    listed = set(re.findall(r"^\.\. automethod:: HubAssocAccessor\.(\w+)", accessor, re.M))
    assert listed == methods
    for module in ("options", "errors", "sandbox", "explorer"):
        assert (DOCS / "api" / f"{module}.rst").is_file()


def test_the_docs_extra_has_lower_bounds_for_the_site_build() -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["docs"]
    names = {re.split(r"[<>=!~ ]", requirement)[0]: requirement for requirement in extra}
    for tool in ("sphinx", "pydata-sphinx-theme", "numpydoc", "myst-nb", "ipykernel"):
        assert ">=" in names.get(tool, ""), (tool, extra)


def local_links(text: str) -> list[str]:
    """The relative targets of a Markdown text's links, anchors dropped."""
    return [
        target.split("#")[0]
        for target in re.findall(r"\]\(([^)\s]+)\)", text)
        if not re.match(r"[a-z]+:", target) and not target.startswith("#")
    ]


def test_the_guide_links_to_files_that_exist_where_the_sources_are() -> None:
    """Links between the pages, and to the notebooks where the repository keeps them, work
    when the sources are read as they are (the build points notebook links to its copies)."""
    missing = [
        f"{page.relative_to(ROOT)}: {target}"
        for page in source_pages()
        if page.suffix == ".md"
        for target in local_links(page.read_text())
        if not (page.parent / target).exists()
    ]
    assert not missing, missing


def test_the_readme_is_a_short_front_page() -> None:
    assert len(README.read_text().splitlines()) <= README_MAX_LINES


def test_the_readme_keeps_its_two_quick_start_commands() -> None:
    lines = README.read_text().splitlines()
    assert DEMO in lines
    assert TESTS in lines


def test_the_readme_links_only_to_files_that_exist() -> None:
    local = local_links(README.read_text())
    missing = [target for target in local if not (ROOT / target).exists()]
    assert not missing, missing
    assert any(target.startswith("docs/") for target in local)
