"""``hubassoc sandbox`` / ``python -m hubassoc_pandas.sandbox``: run a sandbox in the foreground."""

from __future__ import annotations

import argparse
import errno
import re
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .hub import Sandbox

__all__ = ["build_parser", "main"]


def _records(text: str) -> tuple[str, range]:
    match = re.fullmatch(r"([A-Za-z0-9_-]+)=(\d+)-(\d+)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(
            f"expected TYPE=FIRST-LAST, e.g. contacts=1-10000, got {text!r}"
        )
    name, first, last = match.group(1), int(match.group(2)), int(match.group(3))
    if first < 1 or last < first:
        raise argparse.ArgumentTypeError(f"bad ID range in {text!r}")
    return name, range(first, last + 1)


def _rate(text: str) -> tuple[int, float] | None:
    if text.strip().lower() in ("none", "off", "0"):
        return None
    match = re.fullmatch(r"(\d+)/(\d+(?:\.\d+)?)", text.strip())
    if not match or int(match.group(1)) < 1 or float(match.group(2)) <= 0:
        raise argparse.ArgumentTypeError(
            f"expected MAX/SECONDS, e.g. 100/10, or 'none', got {text!r}"
        )
    return int(match.group(1)), float(match.group(2))


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``hubassoc sandbox``."""
    parser = argparse.ArgumentParser(
        prog="hubassoc sandbox",
        description="Run a local HubSpot sandbox (batch association and object endpoints) "
        "on 127.0.0.1.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument(
        "--records",
        nargs="+",
        type=_records,
        metavar="TYPE=FIRST-LAST",
        help="existing records, e.g. contacts=1-10000 companies=1-5000 "
        "(default: contacts, companies, deals, tickets 1-100000)",
    )
    parser.add_argument(
        "--rate-limit",
        type=_rate,
        default=(100, 10.0),
        metavar="MAX/SECONDS",
        help="rolling-window limit, e.g. 100/10, or 'none' (default 100/10)",
    )
    parser.add_argument("--daily-limit", type=int, default=None, help="requests per sandbox day")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument(
        "--max-batch-size", type=int, default=2000, help="largest associate/create batch accepted"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for random choices")
    parser.add_argument(
        "--log-bodies", action="store_true", help="keep request and response bodies in its log"
    )
    return parser


def listen_error(host: str, port: int, exc: OSError) -> str:
    """One line saying why the sandbox cannot listen on ``host:port`` and what to do.

    Examples
    --------
    >>> import errno
    >>> listen_error("127.0.0.1", 80, OSError(errno.EADDRINUSE, "in use"))[:58]
    'cannot listen on 127.0.0.1:80: the port is already in use'
    """
    if exc.errno == errno.EADDRINUSE:
        why = "the port is already in use"
    elif exc.errno == errno.EACCES:
        why = "not allowed to listen there (ports below 1024 need privileges)"
    else:
        why = exc.strerror or str(exc)
    return f"cannot listen on {host}:{port}: {why}; choose another --port, or 0 for any free port"


def main(argv: Sequence[str] | None = None) -> int:
    """Run a sandbox until Ctrl-C (or SIGTERM); print its URL and demo token first.

    Parameters
    ----------
    argv : Sequence[str] or None
        Arguments after ``hubassoc sandbox`` (None: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 after a clean stop, 2 on bad arguments or a port it cannot use.
    """
    args = build_parser().parse_args(None if argv is None else list(argv))
    records = None if not args.records else dict(args.records)
    try:
        sandbox = Sandbox(
            records=records,
            host=args.host,
            port=args.port,
            rate_limit=args.rate_limit,
            daily_limit=args.daily_limit,
            latency=args.latency,
            max_batch_size=args.max_batch_size,
            seed=args.seed,
            log_bodies=args.log_bodies,
        )
    except ValueError as exc:
        print(f"hubassoc sandbox: error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def _on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_term)
    try:
        sandbox.start()
    except OSError as exc:  # a busy port, or an address this machine does not have
        print(
            f"hubassoc sandbox: error: {listen_error(args.host, args.port, exc)}", file=sys.stderr
        )
        return 2
    with sandbox:
        print(f"HubSpot sandbox listening on {sandbox.url}", flush=True)
        print(f"token: {sandbox.token}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        try:
            while not stop.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
        stats = sandbox.stats()
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
    print(
        f"stopped after {stats['endpoint_requests']} requests, "
        f"{stats['associations_stored']} associations stored",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
