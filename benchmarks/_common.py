"""Helpers shared by the benchmark scripts: a sandbox in its own process, tables, JSON.

:class:`SandboxProcess` runs a :class:`~hubassoc_pandas.sandbox.Sandbox` in a child Python
process and talks to it over the child's stdin/stdout (one JSON command and one JSON answer
per line). The client under test then has the benchmark process to itself, so its CPU time
(``time.process_time``) is its own and the server does not compete for the client's GIL.

Run as a script (``python benchmarks/_common.py serve '<options as JSON>'``) it is the child.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = Path(__file__).resolve().parent / "results"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# -- the sandbox in a child process ---------------------------------------------------------


class SandboxProcess:
    """A sandbox served by a child process, driven like :class:`Sandbox`.

    Parameters
    ----------
    records : dict[str, tuple[int, int]]
        Object type -> (first ID, last ID), inclusive.
    collect_garbage : bool
        Leave the child's garbage collector on (the default). What the child's imports and
        start made is frozen out of its full collections, and the sandbox keeps its pairs
        where they cost those nothing, so a full collection takes it under 10 ms with 1.5
        million pairs stored. Off, it never pauses for one.
    **options
        Any other :class:`~hubassoc_pandas.sandbox.Sandbox` keyword argument that JSON can
        carry (``rate_limit`` as a two-item list, ``latency``, ...).

    Examples
    --------
    >>> with SandboxProcess({"contacts": (1, 10), "companies": (1, 10)}) as hub:  # doctest: +SKIP
    ...     hub.url, hub.stats()["endpoint_requests"]
    """

    def __init__(
        self, records: dict[str, tuple[int, int]], *, collect_garbage: bool = True, **options: Any
    ) -> None:
        self._config = {
            "records": {k: list(v) for k, v in records.items()},
            "options": options,
            "collect_garbage": collect_garbage,
        }
        self._child: subprocess.Popen[str] | None = None
        self.url = ""
        self.token = ""

    def __enter__(self) -> SandboxProcess:
        self._child = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "serve", json.dumps(self._config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            cwd=str(ROOT),
        )
        hello = self._read()
        self.url, self.token = hello["url"], hello["token"]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        try:
            if child.stdin is not None:
                child.stdin.write(json.dumps({"command": "close"}) + "\n")
                child.stdin.flush()
            child.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            child.kill()
            child.wait()

    def _read(self) -> Any:
        assert self._child is not None and self._child.stdout is not None
        line = self._child.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox process ended unexpectedly")
        answer = json.loads(line)
        if isinstance(answer, dict) and "error" in answer:
            raise RuntimeError(f"sandbox process: {answer['error']}")
        return answer

    def _ask(self, command: str, **arguments: Any) -> Any:
        assert self._child is not None and self._child.stdin is not None
        self._child.stdin.write(json.dumps({"command": command, **arguments}) + "\n")
        self._child.stdin.flush()
        return self._read()

    def reset(self) -> None:
        """Clear associations, the request log and the rate-limit window."""
        self._ask("reset")

    def stats(self) -> dict[str, Any]:
        """The sandbox's traffic summary (see ``Sandbox.stats``)."""
        return dict(self._ask("stats"))

    def associated_pairs(self, from_type: str, to_type: str) -> set[tuple[str, str]]:
        """Stored associations as ``(from_id, to_id)`` strings."""
        pairs = self._ask("pairs", from_type=from_type, to_type=to_type)
        return {(f, t) for f, t in pairs}

    def timeline(self) -> list[tuple[float, int, int]]:
        """Each endpoint request since the last reset: (arrival time, status, inputs)."""
        return [(started, status, inputs) for started, _, status, inputs in self.arrivals()]

    def arrivals(self) -> list[tuple[float, float, int, int]]:
        """Each endpoint request since the last reset: (arrival, answered, status, inputs),
        the times as ``time.time()`` in the sandbox process (the same clock as the
        benchmark's on one machine)."""
        return [(float(t), float(e), int(s), int(n)) for t, e, s, n in self._ask("timeline")]

    def cpu_seconds(self) -> float:
        """CPU seconds the sandbox process has used so far (user + system)."""
        return float(self._ask("cpu"))


def _serve(config_text: str) -> int:
    """The child side of :class:`SandboxProcess`."""
    from hubassoc_pandas.sandbox import Sandbox

    config = json.loads(config_text)
    if not config.get("collect_garbage", True):
        gc.disable()
    records = {name: range(first, last + 1) for name, (first, last) in config["records"].items()}
    options = dict(config["options"])
    for name in ("rate_limit", "enforced_rate_limit"):
        if isinstance(options.get(name), list):
            options[name] = tuple(options[name])
    out = sys.stdout
    with Sandbox(records=records, **options) as hub:
        # what the imports and the start made lives as long as the process: out of the
        # collector's full passes, which would otherwise walk it all (tens of ms a pass)
        gc.freeze()
        out.write(json.dumps({"url": hub.url, "token": hub.token}) + "\n")
        out.flush()
        for line in sys.stdin:
            request = json.loads(line)
            command = request.get("command")
            answer: Any
            if command == "close":
                break
            if command == "reset":
                hub.reset()
                answer = True
            elif command == "stats":
                answer = hub.stats()
            elif command == "pairs":
                answer = sorted(hub.associated_pairs(request["from_type"], request["to_type"]))
            elif command == "timeline":
                answer = [
                    [r.started, r.ended, r.status or 0, r.inputs] for r in hub.requests if r.inputs
                ]
            elif command == "cpu":
                answer = time.process_time()
            else:
                answer = {"error": f"unknown command {command!r}"}
            out.write(json.dumps(answer) + "\n")
            out.flush()
    return 0


# -- reporting --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """Where and on what code the figures were measured, and how busy the machine was."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "transparent_hugepages": _hugepages(),
        "numpy_madvise_hugepage": os.environ.get("NUMPY_MADVISE_HUGEPAGE"),
        **_code_version(),
    }


def _hugepages() -> str | None:
    """The kernel's transparent huge page setting (a first touch of fresh memory costs more
    where numpy asks for huge pages and the kernel compacts memory to give them)."""
    parts = []
    for name in ("enabled", "defrag"):
        try:
            text = Path(f"/sys/kernel/mm/transparent_hugepage/{name}").read_text()
        except OSError:
            return None
        chosen = text[text.find("[") + 1 : text.find("]")] if "[" in text else text.strip()
        parts.append(f"{name}={chosen}")
    return ", ".join(parts)


def _code_version() -> dict[str, Any]:
    """The commit measured, and whether the package had uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "hubassoc_pandas"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "package_modified": None}
    return {"commit": commit, "package_modified": bool(changed)}


def describe_machine(info: dict[str, Any]) -> str:
    """One line about the machine and code, for the printed set-up."""
    modified = " + uncommitted package changes" if info.get("package_modified") else ""
    pages = (
        f", huge pages {info['transparent_hugepages']}" if info.get("transparent_hugepages") else ""
    )
    return (
        f"Python {info['python']} on {info['cpus']} CPUs (1-min load {info['load_average_1min']} "
        f"at start{pages}), commit {info.get('commit')}{modified}."
    )


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table, numbers right-aligned, as a single string."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [
        max(len(str(header)), *(len(row[i]) for row in cells)) if cells else len(str(header))
        for i, header in enumerate(headers)
    ]
    numeric = [
        all(isinstance(row[i], int | float) for row in rows) if rows else False
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line([str(h) for h in headers]), rule, *(line(row) for row in cells)])


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "-" if value is None else str(value)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as indented JSON, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")


def sandbox_rate_check(seconds: float) -> dict[str, Any] | None:
    """A short run of ``benchmarks/sandbox_rate.py`` (zero latency, no rate limit, 8 threads
    posting batches of 2,000); None when ``seconds`` is 0."""
    if seconds <= 0:
        return None
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import sandbox_rate

    return dict(sandbox_rate.run(seconds, 8, 2000))


def print_sandbox_rate(result: dict[str, Any]) -> None:
    """One line saying how fast the sandbox itself answers."""
    print(
        f"Sandbox's own rate at zero latency (benchmarks/sandbox_rate.py, {result['seconds']} s, "
        f"{result['threads']} threads, no rate limit): {result['requests_per_s']:,.0f} requests/s "
        f"= {result['inputs_per_s']:,.0f} inputs/s, p50 {result['p50_ms']} ms."
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        sys.exit(_serve(sys.argv[2]))
    print("usage: python benchmarks/_common.py serve '<JSON config>'", file=sys.stderr)
    sys.exit(2)
