"""Read a key column (emails, company domains, a unique property's values) as HubSpot
compares them. Pure: no I/O.

Each distinct cell is read once (a column of a million rows with a few thousand distinct
keys costs a few thousand reads); a cell that cannot be such a value is reported with what
is wrong with it, and is never sent.

The rules, and why:

- **email** (contacts): invisible characters (zero-width spaces, a byte-order mark) and
  surrounding white space, non-breaking spaces included, are removed; so are a ``mailto:``
  prefix (and anything after a ``?`` in it) and enclosing angle brackets, which come along
  when addresses are copied from web pages or mail headers. The address is then
  lower-cased: HubSpot stores emails lower-case, so ``Ann@Example.com`` and
  ``ann@example.com`` are one contact. Nothing else changes: ``+tags`` and dots in the
  local part stay, as HubSpot treats ``ann+x@gmail.com`` and ``ann@gmail.com`` as two
  contacts. What is left must look like ``local@domain.tld`` (one ``@``, no spaces, a dot
  in the domain, no empty labels, at most 254 characters).
- **domain** (companies): trimmed and lower-cased; a scheme (``https://``), user info, a
  port, a path, a query, a fragment, a trailing dot and a leading ``www.`` are removed, so
  ``https://WWW.Acme.com:443/about`` is ``acme.com``. What is left must be a host name of at
  least two labels (letters, digits, hyphens, or non-ASCII letters), at most 253 characters;
  an IP address is not a domain. A value with an ``@`` but no scheme is an email, refused
  with a hint.
- **any other property** (a unique property such as ``external_id``): trimmed of white space
  and invisible characters; case is kept, since HubSpot matches unique values exactly.
  Whole numbers (``12345``, or ``12345.0`` from a column that held blanks) become their
  digits; other finite numbers their shortest text; booleans are refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "KeyKind",
    "key_kind",
    "normalise_domain",
    "normalise_email",
    "normalise_keys",
    "normalise_unique",
]

#: How a property's values are read: ``"email"``, ``"domain"`` or ``"unique"``.
KeyKind = str

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_EMAIL_FORBIDDEN = re.compile(r"[\s\"(),:;<>\[\]\\]")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://")
_LABEL = re.compile(r"^(?!-)[a-z0-9\-\u00a1-\uffff]{1,63}(?<!-)$")
_MAX_EMAIL = 254
_MAX_DOMAIN = 253

Outcome = tuple[str | None, str | None]  # (normalised value, problem)


def key_kind(id_property: str) -> KeyKind:
    """How values of ``id_property`` are read.

    Examples
    --------
    >>> key_kind("email"), key_kind("domain"), key_kind("external_id")
    ('email', 'domain', 'unique')
    """
    if id_property == "email":
        return "email"
    if id_property == "domain":
        return "domain"
    return "unique"


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _clean(text: str) -> str:
    return text.translate(_INVISIBLE).strip()


def normalise_email(value: Any) -> Outcome:
    """An email as HubSpot compares it, or the reason it cannot be one.

    Examples
    --------
    >>> normalise_email("  Ann.Lee+news@Example.COM ")
    ('ann.lee+news@example.com', None)
    >>> normalise_email("mailto:bo@x.io?subject=hi"), normalise_email("<cy@x.io>")
    (('bo@x.io', None), ('cy@x.io', None))
    >>> normalise_email("ann@")
    (None, "not an email: 'ann@'")
    """
    if _missing(value):
        return None, "missing value"
    if not isinstance(value, str):
        return None, f"not an email: {_short(value)}"
    text = _clean(value)
    if text[:7].lower() == "mailto:":
        text = text[7:].split("?", 1)[0].strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if not text:
        return None, "empty"
    text = text.lower()
    local, at, domain = text.rpartition("@")
    labels = domain.split(".")
    if (
        not at
        or not local
        or "@" in local
        or len(text) > _MAX_EMAIL
        or len(local) > 64
        or _EMAIL_FORBIDDEN.search(text)
        or ".." in text
        or local.startswith(".")
        or local.endswith(".")
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
    ):
        return None, f"not an email: {_short(value)}"
    return text, None


def normalise_domain(value: Any) -> Outcome:
    """A company domain as HubSpot stores it, or the reason it cannot be one.

    Examples
    --------
    >>> normalise_domain("https://WWW.Acme.com:443/about?x=1")
    ('acme.com', None)
    >>> normalise_domain("shop.acme.co.uk."), normalise_domain("www.com")
    (('shop.acme.co.uk', None), ('www.com', None))
    >>> normalise_domain("ann@acme.com")[1]
    "an email, not a domain: 'ann@acme.com'; give the part after @ (acme.com)"
    """
    if _missing(value):
        return None, "missing value"
    if not isinstance(value, str):
        return None, f"not a domain: {_short(value)}"
    text = _clean(value).lower()
    if not text:
        return None, "empty"
    scheme = _SCHEME.match(text)
    if scheme:
        text = text[scheme.end() :]
    elif "@" in text.split("/", 1)[0]:
        after = text.rsplit("@", 1)[1]
        return None, f"an email, not a domain: {_short(value)}; give the part after @ ({after})"
    host = re.split(r"[/?#]", text, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]  # user info of a URL
    host = re.sub(r":\d*$", "", host).rstrip(".")
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    labels = host.split(".")
    if (
        len(host) > _MAX_DOMAIN
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        return None, f"not a domain: {_short(value)}"
    return host, None


def normalise_unique(value: Any) -> Outcome:
    """A unique property's value as sent (case kept), or the reason it cannot be one.

    Examples
    --------
    >>> normalise_unique("  CUST-0042 "), normalise_unique(12345.0), normalise_unique(7)
    (('CUST-0042', None), ('12345', None), ('7', None))
    >>> normalise_unique(True)
    (None, 'not a key value: True')
    """
    if _missing(value):
        return None, "missing value"
    if isinstance(value, bool | np.bool_):
        return None, f"not a key value: {_short(value)}"
    if isinstance(value, int | np.integer):
        return str(int(value)), None
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            return None, f"not a key value: {_short(value)}"
        return (str(int(number)) if number.is_integer() else repr(number)), None
    if not isinstance(value, str):
        return None, f"not a key value: {_short(value)}"
    text = _clean(value)
    return (text, None) if text else (None, "empty")


_READERS: dict[KeyKind, Callable[[Any], Outcome]] = {
    "email": normalise_email,
    "domain": normalise_domain,
    "unique": normalise_unique,
}


def normalise_keys(values: pd.Series, kind: KeyKind) -> tuple[np.ndarray, np.ndarray]:
    """Read a key column: each cell's normalised value and what is wrong with the others.

    Parameters
    ----------
    values : pandas.Series
        The column, of any dtype.
    kind : {"email", "domain", "unique"}
        How to read it (see :func:`key_kind`).

    Returns
    -------
    keys : numpy.ndarray of object
        Per row, the value to look up, or None where the cell cannot be one.
    problems : numpy.ndarray of object
        Per row, None where the cell was read, else a short text saying what is wrong.

    Examples
    --------
    >>> keys, problems = normalise_keys(pd.Series([" A@x.io", "a@X.io", "", None]), "email")
    >>> keys.tolist(), problems.tolist()
    (['a@x.io', 'a@x.io', None, None], [None, None, 'empty', 'missing value'])
    """
    read = _READERS[kind]
    cells = values.to_numpy(dtype=object, na_value=None)
    codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    outcomes = [read(value) for value in uniques.tolist()]
    outcomes.append((None, "missing value"))  # code -1: a missing cell
    table = np.empty((len(outcomes), 2), dtype=object)
    table[:] = outcomes
    picked = table[codes]
    return picked[:, 0].copy(), picked[:, 1].copy()
