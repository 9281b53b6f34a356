"""``hubassoc sandbox`` / ``python -m hubassoc_pandas.sandbox``: run a sandbox in the foreground.

It prints how to point the ``hubassoc`` command (``export`` lines) and a notebook
(``os.environ`` lines, or ``base_url=``/``token=``) at it; the token is the sandbox's demo
token, which is no secret. ``--demo-data`` (or ``--emails``/``--domains``) gives contacts
emails and companies domains, so that runs by keys find their records.
"""

from __future__ import annotations

import argparse
import errno
import json
import re
import shlex
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from .hub import Sandbox

__all__ = ["DEMO_DOMAINS", "DEMO_EMAILS", "build_parser", "connection_lines", "main"]

#: ``--demo-data``: contact ID -> email (the keyed examples of the documentation use these).
DEMO_EMAILS: dict[int, str] = {
    1: "ann@example.com",
    2: "bob@example.com",
    3: "chloe@example.com",
    4: "dev@example.com",
}
#: ``--demo-data``: company ID -> domain; hooli.com belongs to two companies (4 is the older),
#: so that ``on_ambiguous`` has something to decide.
DEMO_DOMAINS: dict[int, str] = {
    1: "acme.com",
    2: "globex.com",
    3: "initech.com",
    4: "hooli.com",
    5: "hooli.com",
}
#: The environment variables the ``hubassoc`` command and the library read.
BASE_URL_VARIABLE, TOKEN_VARIABLE = "HUBSPOT_BASE_URL", "HUBSPOT_ACCESS_TOKEN"


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


def _keyed(name: str, example: str) -> Callable[[str], tuple[int, str]]:
    """The parser of one ``ID=VALUE`` of ``--emails`` or ``--domains``."""

    def parse(text: str) -> tuple[int, str]:
        record, sep, value = text.strip().partition("=")
        if not sep or not record.isdigit() or int(record) < 1 or not value.strip():
            raise argparse.ArgumentTypeError(
                f"expected ID={name.upper()}, e.g. 7={example}, got {text!r}"
            )
        return int(record), value.strip()

    return parse


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
        "on 127.0.0.1 until Ctrl-C. It prints the export lines that point the hubassoc "
        "command at it (HUBSPOT_BASE_URL, HUBSPOT_ACCESS_TOKEN) and their Python equivalent "
        "for a notebook; its token is a demo token, not a secret.",
        epilog="Keys: --demo-data gives contacts 1-4 the emails "
        + ", ".join(DEMO_EMAILS.values())
        + " and companies 1-5 the domains "
        + ", ".join(DEMO_DOMAINS.values())
        + " (hooli.com twice), the data of the documentation's keyed examples; --emails and "
        "--domains add your own.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print each request it answers (stderr)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=0, metavar="N", help="port (default 0: any free port)"
    )
    parser.add_argument(
        "--records",
        nargs="+",
        type=_records,
        metavar="TYPE=FIRST-LAST",
        help="existing records, e.g. contacts=1-10000 companies=1-5000 "
        "(default: contacts, companies, deals, tickets 1-100000)",
    )
    parser.add_argument(
        "--demo-data",
        action="store_true",
        help="give the documentation's contacts emails and companies domains (see below)",
    )
    parser.add_argument(
        "--emails",
        nargs="+",
        type=_keyed("email", "ann@example.com"),
        default=[],
        metavar="ID=EMAIL",
        help="give these contacts these emails, e.g. 7=ann@example.com (default: none)",
    )
    parser.add_argument(
        "--domains",
        nargs="+",
        type=_keyed("domain", "acme.com"),
        default=[],
        metavar="ID=DOMAIN",
        help="give these companies these domains, e.g. 9=acme.com (default: none)",
    )
    parser.add_argument(
        "--rate-limit",
        type=_rate,
        default=(100, 10.0),
        metavar="MAX/SECONDS",
        help="rolling-window limit, e.g. 100/10, or 'none' (default 100/10)",
    )
    parser.add_argument(
        "--daily-limit",
        type=int,
        default=None,
        metavar="N",
        help="requests per sandbox day (default: none)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="seconds added to every answer (default %(default)s)",
    )
    parser.add_argument(
        "--max-batch-size",
        type=int,
        default=2000,
        metavar="N",
        help="largest associate/create batch accepted (default %(default)s)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed for random choices (default %(default)s)",
    )
    parser.add_argument(
        "--log-bodies", action="store_true", help="keep request and response bodies in its log"
    )
    return parser


def listen_error(host: str, port: int, exc: OSError) -> str:
    """One line saying why the sandbox cannot listen on ``host:port`` and what to do.

    Examples
    --------
    >>> import errno
    >>> listen_error("127.0.0.1", 80, OSError(errno.EADDRINUSE, "in use"))[:57]
    'cannot listen on 127.0.0.1:80: the port is already in use'
    """
    if exc.errno == errno.EADDRINUSE:
        why = "the port is already in use"
    elif exc.errno == errno.EACCES:
        why = "not allowed to listen there (ports below 1024 need privileges)"
    else:
        why = exc.strerror or str(exc)
    return f"cannot listen on {host}:{port}: {why}; choose another --port, or 0 for any free port"


def connection_lines(url: str, token: str) -> list[str]:
    """What ``hubassoc sandbox`` prints to point the command line and a notebook at it.

    Parameters
    ----------
    url : str
        The sandbox's base URL.
    token : str
        The sandbox's demo token (never a user's: the sandbox makes its own).

    Examples
    --------
    >>> for line in connection_lines("http://127.0.0.1:8000", "demo"):
    ...     print(line)
    <BLANKLINE>
    Point the hubassoc command at it (paste into the shell you run hubassoc in; the token is
    the sandbox's demo token, not a secret):
        export HUBSPOT_BASE_URL=http://127.0.0.1:8000
        export HUBSPOT_ACCESS_TOKEN=demo
    <BLANKLINE>
    or a notebook (before its first call):
        import os
        os.environ["HUBSPOT_BASE_URL"] = "http://127.0.0.1:8000"
        os.environ["HUBSPOT_ACCESS_TOKEN"] = "demo"
    or pass base_url="http://127.0.0.1:8000", token="demo" to each call.
    """
    return [
        "",
        "Point the hubassoc command at it (paste into the shell you run hubassoc in; the token "
        "is the sandbox's demo token, not a secret):",
        f"    export {BASE_URL_VARIABLE}={shlex.quote(url)}",
        f"    export {TOKEN_VARIABLE}={shlex.quote(token)}",
        "",
        "or a notebook (before its first call):",
        "    import os",
        f'    os.environ["{BASE_URL_VARIABLE}"] = {json.dumps(url)}',
        f'    os.environ["{TOKEN_VARIABLE}"] = {json.dumps(token)}',
        f"or pass base_url={json.dumps(url)}, token={json.dumps(token)} to each call.",
    ]


Keys = dict[int, str]


def _keys(args: argparse.Namespace) -> tuple[Keys, Keys]:
    """The contacts' emails and the companies' domains to seed (``--demo-data``, ``--emails``,
    ``--domains``)."""
    emails = {**(DEMO_EMAILS if args.demo_data else {}), **dict(args.emails)}
    domains = {**(DEMO_DOMAINS if args.demo_data else {}), **dict(args.domains)}
    return emails, domains


def _seed_keys(sandbox: Sandbox, emails: Keys, domains: Keys) -> None:
    """Give contacts their emails and companies their domains; a ValueError says what cannot
    be (an email two contacts would share)."""
    if emails:
        sandbox.add_records("contacts", list(emails), [{"email": e} for e in emails.values()])
    if domains:
        sandbox.add_records("companies", list(domains), [{"domain": d} for d in domains.values()])


def _seeded(emails: Keys, domains: Keys) -> str:
    said = [
        f"{what} {', '.join(f'{record}={value}' for record, value in values.items())}"
        for what, values in (
            ("contacts with emails:", emails),
            ("companies with domains:", domains),
        )
        if values
    ]
    return "Seeded " + "; ".join(said)


def _print_requests(sandbox: Sandbox, shown: int) -> int:
    """Print the requests answered since the ``shown`` first ones; returns how many now are."""
    if sandbox.request_count < shown:  # the log was reset
        shown = 0
    records = sandbox.requests_since(shown)
    for record in records:
        print(
            f"{record.method} {record.path} -> {record.status} "
            f"({record.inputs} inputs, {record.duration * 1000:.0f} ms)",
            file=sys.stderr,
            flush=True,
        )
    return shown + len(records)


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
        emails, domains = _keys(args)
        _seed_keys(sandbox, emails, domains)
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
        if emails or domains:
            print(_seeded(emails, domains), flush=True)
        print("\n".join(connection_lines(sandbox.url, sandbox.token)), flush=True)
        print("\nPress Ctrl-C to stop.", flush=True)
        shown = 0
        try:
            while not stop.wait(0.2):
                if args.verbose:
                    shown = _print_requests(sandbox, shown)
        except KeyboardInterrupt:
            pass
        if args.verbose:
            _print_requests(sandbox, shown)
        stats = sandbox.stats()
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)
    requests, stored = stats["endpoint_requests"], stats["associations_stored"]
    print(
        f"stopped after {requests} request{'' if requests == 1 else 's'}, "
        f"{stored} association{'' if stored == 1 else 's'} stored",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
