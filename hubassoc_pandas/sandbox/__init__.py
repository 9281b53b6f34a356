"""A local HubSpot on 127.0.0.1: the batch association endpoints (associate/default, create,
read, archive, labels/archive, labels) and the object endpoints the client resolves keys with
(objects batch/read, search), with auth, rate limits and faults.

It stands alone (standard library only) so that a mistake shared with the client cannot hide.
Layout: ``gateway`` (routing, auth, limits, faults, latency, correlation headers), one module
per endpoint under ``endpoints/``, the portal's state (``portal``, ``store``, ``labels``,
``records``, ``properties``, ``meters``), the HTTP server (``server``) and the public handle
(``hub.Sandbox``).

Examples
--------
>>> from hubassoc_pandas.sandbox import Sandbox, Fault, DEMO_TOKEN
>>> with Sandbox(faults=[Fault("502_html", on_requests=[1])]) as hub:
...     base_url, token = hub.url, hub.token
"""

from .faults import FAULT_KINDS, Fault
from .hub import Sandbox
from .log import RequestRecord
from .objects import STANDARD_TYPE_IDS
from .options import DEFAULT_RECORDS, DEMO_TOKEN, SandboxOptions
from .routes import parse_route

__all__ = [
    "DEFAULT_RECORDS",
    "DEMO_TOKEN",
    "FAULT_KINDS",
    "STANDARD_TYPE_IDS",
    "Fault",
    "RequestRecord",
    "Sandbox",
    "SandboxOptions",
    "parse_route",
]
