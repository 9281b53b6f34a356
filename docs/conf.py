"""Sphinx configuration of the hubassoc_pandas documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` after installing the ``docs``
extra. The notebooks of the repository's ``notebooks/`` folder are copied into
``docs/notebooks/`` (not committed) and executed at build time; each starts its own local
sandbox, so no token or network is needed.
"""

from __future__ import annotations

import inspect
import os
import shutil
from pathlib import Path
from typing import Any

import hubassoc_pandas

DOCS = Path(__file__).resolve().parent


def copy_notebooks(source: Path, target: Path) -> None:
    """Mirror the ``*.ipynb`` of ``source`` into ``target``, keeping modification times so
    that an incremental build re-reads only the notebooks that changed."""
    target.mkdir(exist_ok=True)
    wanted = {path.name: path for path in source.glob("*.ipynb")}
    for stale in target.glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
    for name, path in wanted.items():
        copy = target / name
        if not copy.exists() or copy.read_bytes() != path.read_bytes():
            shutil.copy2(path, copy)


copy_notebooks(DOCS.parent / "notebooks", DOCS / "notebooks")

project = "hubassoc_pandas"
author = "hubassoc_pandas contributors"
copyright = "hubassoc_pandas contributors"
release = hubassoc_pandas.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
    "myst_nb",
]

# architecture.md is included by guide/architecture.md rather than built on its own.
exclude_patterns = ["_build", "architecture.md", "**/.ipynb_checkpoints"]

# -- API reference --------------------------------------------------------------------
autodoc_typehints = "none"  # the numpydoc sections give every type
autodoc_member_order = "bysource"
maximum_signature_line_length = 88  # one parameter per line in long signatures
add_module_names = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# Every reference must resolve, except to names the reference does not document: other
# libraries' types (no intersphinx: the build works offline) and the package's internals,
# which docstrings name for readers of the source.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(pandas|pd|numpy|np|ipywidgets|requests|tqdm|datetime|pathlib)\..*"),
    (r"py:.*", r"hubassoc_pandas\.(jobs|engine|operations|inputs|transport|results)(\..*)?"),
    (r"py:.*", r"hubassoc_pandas\.(progress|status|accessor\._.*)(\..*)?"),
    (r"py:.*", r"~?hubassoc_pandas\.sandbox\.(routes|endpoints|gateway)(\..*)?"),
]

# -- Notebooks ------------------------------------------------------------------------
nb_execution_mode = "force"
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
# The explorer is a live widget: with no kernel behind the page its controls could do
# nothing, so the site shows the HTML summary it also provides, and loads no widget scripts.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# The notebooks start their own sandbox and never read a token from the environment.
os.environ.pop("HUBSPOT_ACCESS_TOKEN", None)
os.environ.pop("HUBSPOT_BASE_URL", None)

# -- HTML -----------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = "hubassoc_pandas"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}
html_sidebars = {"index": []}
html_static_path: list[str] = []
toc_object_entries_show_parents = "hide"


# -- Docstring adjustments -----------------------------------------------------------------


def module_sections_as_rubrics(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """numpydoc leaves module docstrings alone, so their ``Examples`` (or other) sections would
    become sections of the page and swallow what follows; make them rubrics, as numpydoc does
    for classes and functions."""
    if what != "module":
        return
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        underline = lines[index + 1] if index + 1 < len(lines) else ""
        title, rule = line.strip(), underline.strip()
        if title and set(rule) == {"-"} and len(rule) == len(title):
            out.extend([f".. rubric:: {title}", ""])
            index += 2
            continue
        out.append(line)
        index += 1
    lines[:] = out


def functions_point_to_methods(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """The package's functions carry their accessor method's docstring; on the site the
    method's entry documents the parameters once and the function's entry points to it."""
    if what != "function" or getattr(obj, "__module__", "") != "hubassoc_pandas.api":
        return
    method = getattr(obj, "__wrapped__", None)
    if method is None:
        return
    short = method.__name__
    frame = next(iter(inspect.signature(obj).parameters))
    target = f"hubassoc_pandas.accessor.HubAssocAccessor.{short}"
    summary = lines[0] if lines else ""
    lines[:] = [
        summary,
        "",
        f"``hubassoc_pandas.{short}({frame}, ...)`` is"
        f" :meth:`{frame}.hubassoc.{short}(...) <{target}>`,"
        " which documents every parameter, what it returns and what it raises.",
    ]


def notebook_links_to_copies(app: Any, docname: str, source: list[str]) -> None:
    """Pages link to the notebooks where the repository keeps them (``../notebooks/`` from
    ``docs/``), so the links work where the sources are read as they are; on the site they
    point to the copies under ``docs/notebooks/``."""
    depth = docname.count("/")
    source[0] = source[0].replace(
        "](" + "../" * (depth + 1) + "notebooks/", "](" + "../" * depth + "notebooks/"
    )


def init_signature(
    app: Any,
    what: str,
    name: str,
    obj: Any,
    options: Any,
    signature: str | None,
    return_annotation: str | None,
) -> tuple[str, str | None] | None:
    """A widget class shows the generic ``(*args, **kwargs)`` of its metaclass machinery;
    show its ``__init__``'s parameters instead."""
    if what != "class" or signature != "(*args, **kwargs)" or "__init__" not in vars(obj):
        return None
    parameters = list(inspect.signature(obj.__init__).parameters.values())[1:]
    plain = [p.replace(annotation=inspect.Parameter.empty) for p in parameters]
    return str(inspect.Signature(plain)), return_annotation


def setup(app: Any) -> None:
    app.connect("autodoc-process-signature", init_signature)
    app.connect("source-read", notebook_links_to_copies)
    # before numpydoc (priority 500) reads the docstrings
    app.connect("autodoc-process-docstring", module_sections_as_rubrics, priority=400)
    app.connect("autodoc-process-docstring", functions_point_to_methods, priority=400)
