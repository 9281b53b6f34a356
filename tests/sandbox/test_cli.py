"""The ``hubassoc sandbox`` command and the rate benchmark's entry point."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sandbox_testkit import endpoint, pairs

from hubassoc_pandas.sandbox import DEMO_TOKEN
from hubassoc_pandas.sandbox.__main__ import build_parser, main

ROOT = Path(__file__).resolve().parents[2]


def test_cli_runs_until_sigint() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hubassoc_pandas.sandbox",
            "--records",
            "contacts=1-10000",
            "companies=1-5000",
            "--rate-limit",
            "100/10",
            "--latency",
            "0.01",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        url_line = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", url_line)
        assert match, url_line
        token_line = process.stdout.readline()
        assert DEMO_TOKEN in token_line
        with requests.Session() as session:
            response = session.post(
                match.group(1) + endpoint(),
                json={"inputs": pairs(("10000", "5000"))},
                headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
                timeout=5,
            )
        assert response.status_code == 200
        assert response.headers["X-HubSpot-RateLimit-Max"] == "100"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "stopped after 1 request, 1 association stored" in out


def test_cli_parser() -> None:
    parser = build_parser()
    assert parser.prog == "hubassoc sandbox"
    args = parser.parse_args(["--records", "deals=5-9", "--rate-limit", "none", "--port", "0"])
    assert args.records == [("deals", range(5, 10))]
    assert args.rate_limit is None
    with pytest.raises(SystemExit):
        parser.parse_args(["--records", "deals=9-5"])
    with pytest.raises(SystemExit):
        parser.parse_args(["--rate-limit", "fast"])


def test_cli_refuses_non_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--host", "0.0.0.0"]) == 2
    assert "loopback" in capsys.readouterr().err


def test_benchmark_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location(
        "sandbox_rate", ROOT / "benchmarks" / "sandbox_rate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    output = tmp_path / "rate.json"
    argv = ["--seconds", "0.3", "--threads", "4", "--batch-size", "10", "--output", str(output)]
    assert module.main(argv) == 0
    result = json.loads(output.read_text())
    assert result["requests"] > 0 and result["statuses"] == {"200": result["requests"]}
    assert "requests/s" in capsys.readouterr().out


def test_a_busy_port_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hubassoc sandbox: error: cannot listen on 127.0.0.1:")
    assert len(err.splitlines()) == 1 and "Traceback" not in err
