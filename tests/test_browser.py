"""The explorer in a real browser: JupyterLab on 127.0.0.1 driven by a headless Chromium.

It opens a copy of notebooks/quickstart.ipynb, runs every cell, and checks the explorer
rendered as a live widget (its "Retry failed" button, opening on the rows needing attention,
filters answered by the kernel), not as the text ``VBox(...)``. A screenshot goes to
tests/artifacts/explorer.png.

Needs Debian's chromium at /usr/bin/chromium (``bash .ci/install-browser``) and the
``playwright`` Python package; only that system browser is used.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "quickstart.ipynb"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
INSTALL_HINT = "install it with `bash .ci/install-browser` (Debian chromium via apt-get)"


def _require_browser() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM}: {INSTALL_HINT}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip(
            "the playwright package is missing: pip install playwright (no browsers needed)"
        )
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        pytest.skip("jupyterlab is missing: pip install jupyterlab")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _write_settings(settings: Path) -> None:
    """Lab settings for a quiet, deterministic page: no news, no update checks, every cell
    kept in the DOM."""
    files = {
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
            "windowingMode": "none",
            "autoStartDefaultKernel": True,
        },
    }
    for name, content in files.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A JupyterLab server on 127.0.0.1 whose root holds a copy of the quickstart notebook."""
    _require_browser()
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    _write_settings(base / "settings")
    token = secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "HOME": str(base),  # keep the user's own Jupyter state out of it
    }
    env.pop("HUBSPOT_ACCESS_TOKEN", None)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.disable_check_xsrf=True",
        "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--LabApp.news_url=None",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI containers often run as root
    log = (base / "server.log").open("wb")
    server: subprocess.Popen[bytes] | None = None
    try:
        # a free port can be taken by another process before the server binds it (tests run
        # side by side): then the server exits at once, and another port is tried
        for _ in range(3):
            port, written = _free_port(), (base / "server.log").stat().st_size
            server = subprocess.Popen(
                [*command, f"--port={port}"], cwd=root, env=env, stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            url = f"http://127.0.0.1:{port}"
            if _wait_until_up(server, url, token, base / "server.log", written):
                break
        else:
            pytest.fail(f"JupyterLab found no free port:\n{(base / 'server.log').read_text()}")
        yield {"url": url, "token": token, "log": base / "server.log"}
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(5)
        log.close()


def _wait_until_up(
    server: subprocess.Popen[bytes], url: str, token: str, log: Path, written: int
) -> bool:
    """True once the server answers; False if it exited because its port was taken (told
    by what it logged past ``written`` bytes)."""
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None:
            if b"is already in use" in log.read_bytes()[written:]:
                return False
            pytest.fail(f"JupyterLab exited early:\n{log.read_text()}")
        try:
            if requests.get(f"{url}/api/status", params={"token": token}, timeout=2).ok:
                return True
        except requests.RequestException:  # not up yet, or another process holds the port
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"JupyterLab did not start:\n{log.read_text()}")
        time.sleep(0.2)


def _local_only(route: Any) -> None:
    """Let the page reach only 127.0.0.1."""
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def _accept_kernel_dialog(page: Any) -> None:
    """Confirm the default kernel if JupyterLab asks which one to start."""
    select = page.locator(".jp-Dialog button", has_text="Select")
    try:
        select.first.wait_for(state="visible", timeout=3_000)
    except Exception:  # no dialog: the kernel started by itself
        return
    select.first.click()


@pytest.mark.timeout(180)
def test_explorer_renders_as_a_live_widget(jupyterlab: dict[str, Any]) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1700})
            page.route("**/*", _local_only)
            page.goto(
                f"{jupyterlab['url']}/lab/tree/{NOTEBOOK.name}?token={jupyterlab['token']}",
                wait_until="domcontentloaded",
            )
            notebook = page.locator(".jp-NotebookPanel .jp-Notebook")
            expect(notebook).to_be_visible(timeout=60_000)
            expect(
                page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
            ).to_have_count(1, timeout=60_000)

            _accept_kernel_dialog(page)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

            explorer = page.locator(".hubassoc-explorer")
            expect(explorer).to_be_visible(timeout=90_000)
            retry = explorer.locator(".widget-button", has_text="Retry failed")
            expect(retry).to_be_visible()
            expect(explorer.locator(".hubassoc-counts")).to_contain_text("failed: 1")
            # it opens on the rows needing attention: one failed, two invalid
            expect(explorer.locator(".hubassoc-table")).to_contain_text("matching rows 1-3 of 3")

            # a live widget: the kernel answers a filter change with a new table
            status_filter = explorer.locator("select").first
            status_filter.select_option(label="any status")
            expect(explorer.locator(".hubassoc-table")).to_contain_text(
                "matching rows 1-20", timeout=30_000
            )
            status_filter.select_option(label="failed (1)")
            expect(explorer.locator(".hubassoc-table")).to_contain_text(
                "matching rows 1-1 of 1", timeout=30_000
            )
            expect(explorer.locator(".hubassoc-table")).to_contain_text("999999")
            expect(explorer.locator(".hubassoc-detail")).to_contain_text("OBJECT_NOT_FOUND")

            outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
            assert not any(text.lstrip().startswith("VBox(") for text in outputs)
            assert not page.locator(".jp-OutputArea-output[data-mime-type*='error']").count()

            explorer.scroll_into_view_if_needed()
            explorer.screenshot(path=str(ARTIFACTS / "explorer.png"))
            page.screenshot(path=str(ARTIFACTS / "explorer-page.png"))
        finally:
            browser.close()
