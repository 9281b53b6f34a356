"""``hubassoc sandbox`` in a child process, as a newcomer runs it, and the environment its
printed lines make: for the tests of the sandbox's wiring and of the documentation's
examples (imported by name: tests/cli/ is put on sys.path by the tests that use it)."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

#: Where the installed ``hubassoc`` command is: beside the interpreter running the tests.
SCRIPTS = Path(sys.executable).parent
_EXPORT = re.compile(r"^\s*export (\w+)=(.+)$")


@dataclass
class SandboxProcess:
    """A running ``hubassoc sandbox`` and what it printed before serving."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    #: What it printed after stopping, and on stderr.
    final: str = ""
    errors: str = ""

    @property
    def export_lines(self) -> list[str]:
        """The ``export NAME=VALUE`` lines, as printed (without their indentation)."""
        return [line.strip() for line in self.lines if _EXPORT.match(line)]

    @property
    def exports(self) -> dict[str, str]:
        """The variables those lines set, as a shell would."""
        found = {}
        for line in self.export_lines:
            match = _EXPORT.match(line)
            assert match is not None
            (value,) = shlex.split(match.group(2))
            found[match.group(1)] = value
        return found

    @property
    def python_lines(self) -> str:
        """The notebook's lines (``import os`` and the ``os.environ[...]`` ones), dedented."""
        picked = [
            line for line in self.lines if line.strip() == "import os" or "os.environ[" in line
        ]
        return textwrap.dedent("\n".join(picked))

    @property
    def arguments_line(self) -> str:
        """The ``base_url=..., token=...`` arguments of the "or pass ..." line."""
        (line,) = [line for line in self.lines if line.startswith("or pass ")]
        match = re.fullmatch(r"or pass (base_url=.*, token=.*) to each call\.", line)
        assert match is not None, line
        return match.group(1)


def clean_environment(**extra: str) -> dict[str, str]:
    """The tests' environment without any HUBSPOT_ variable, the ``hubassoc`` command on the
    PATH, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBSPOT_")}
    env["PATH"] = os.pathsep.join([str(SCRIPTS), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"
    return {**env, **extra}


@contextmanager
def sandbox_command(*argv: str, env: dict[str, str] | None = None) -> Iterator[SandboxProcess]:
    """``python -m hubassoc_pandas.cli [ARGV]`` (ARGV holding ``sandbox``; default
    ``sandbox``) on any free port, read up to "Press Ctrl-C to stop.", stopped with Ctrl-C
    on leaving."""
    command = list(argv) or ["sandbox"]
    process = subprocess.Popen(
        [sys.executable, "-m", "hubassoc_pandas.cli", *command, "--port", "0"],
        env=env if env is not None else clean_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    running = SandboxProcess(process)
    try:
        assert process.stdout is not None
        for line in process.stdout:
            running.lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                break
        assert running.lines and running.lines[-1].startswith("Press Ctrl-C"), running.lines
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            running.final, running.errors = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            running.final, running.errors = process.communicate()


def run_shell(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``bash -e`` running ``script`` in ``cwd``, as a user pasting it would."""
    return _run(["bash", "-e", "-c", script], env, cwd)


def run_python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -c CODE`` in ``cwd``, as a notebook's cells would run it."""
    return _run([sys.executable, "-c", code], env, cwd)


def _run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
