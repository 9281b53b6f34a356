"""Messages written for Python callers, reworded for the command line.

The library names its arguments (``from_col='x'``, ``retry()``); at the command line the same
message must name the options and commands (``--from-col 'x'``, ``hubassoc retry``). Quoted
values (a column called ``batch_size``, say) are left as they are.
"""

from __future__ import annotations

import re

from hubassoc_pandas.transport.client import TOKEN_ENV

__all__ = ["OPTION_OF", "for_command_line"]

#: Python argument -> command-line option (the option's first spelling in ``--help``).
OPTION_OF = {
    "from_col": "--from-col",
    "to_col": "--to-col",
    "from_type": "--from",
    "to_type": "--to",
    "batch_size": "--batch-size",
    "max_workers": "--max-workers",
    "max_attempts": "--max-attempts",
    "rate_limit": "--rate-limit",
    "timeout": "--timeout",
    "api_version": "--api-version",
    "base_url": "--base-url",
    "journal": "--journal",
    "dry_run": "--dry-run",
    "remove_extra": "--remove-extra",
    "check_existing": "--check-existing",
    "label": "--label",
    "label_col": "--label-col",
    "from_id_property": "--from-id-property",
    "to_id_property": "--to-id-property",
    "on_ambiguous": "--on-ambiguous",
}

#: Phrases that only make sense in Python, and what they become (applied first, in order).
_PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"pass token=\.\.\. or set the"), "set the"),
    (re.compile(r"\btoken=\.\.\."), f"the {TOKEN_ENV} environment variable"),
    (re.compile(r"\bdry_run=True\b"), "--dry-run"),
    (re.compile(r"\s*\(with its attrs\)"), ""),
    (re.compile(r"\s*\(e\.g\. df\.columns = \[\.\.\.\]\)"), " in the file"),
    (
        re.compile(r"\ba results frame returned by associate\(\)"),
        "a results file written by hubassoc associate --out",
    ),
    (re.compile(r"\bdf\.hubassoc\.(\w+)\(\.\.\.\)"), r"hubassoc \1"),
    (re.compile(r"\bof the frame\b"), "of the input file"),
    (re.compile(r"\bthe arguments of\b"), "the options of"),
    (
        re.compile(r"\bassociate\(\.\.\., check_existing=True\)"),
        "hubassoc associate --check-existing",
    ),
    (re.compile(r"\bforce=True\b"), "--force"),
    (re.compile(r"\b(associate|retry|disassociate|read|sync|undo)\(\)"), r"hubassoc \1"),
    (
        re.compile(r"\bhubassoc_pandas\.labels\(from_type, to_type\)"),
        "hubassoc labels (with the same --from and --to)",
    ),
    (re.compile(r"\bleave label=None\b"), "leave out --label"),
]
_NAMES = "|".join(sorted(OPTION_OF, key=len, reverse=True))
_ASSIGNED = re.compile(rf"(?<![\w.-])({_NAMES})=(?=\S|$)")
# bare names only where they cannot be ordinary words ("journal", "timeout")
_IDENTIFIERS = "|".join(sorted((n for n in OPTION_OF if "_" in n), key=len, reverse=True))
_BARE = re.compile(rf"(?<![\w.-])({_IDENTIFIERS})\b")
# a value shown with repr(): a quote not inside a word, up to the matching quote
_QUOTED = re.compile(r"(?<!\w)('[^'\n]*'|\"[^\"\n]*\")(?!\w)")


def for_command_line(message: str, *, retry_command: str | None = None) -> str:
    """Reword a library message for the command line.

    Parameters
    ----------
    message : str
        The message of a ConfigError or a warning.
    retry_command : str, optional
        The exact ``hubassoc retry ...`` line to suggest where the message says ``retry()``.

    Examples
    --------
    >>> for_command_line("from_col='batch_size' is not a column of the frame")
    "--from-col 'batch_size' is not a column of the input file"
    >>> for_command_line("batch_size=0: give a whole number from 1 to 10000.")
    '--batch-size 0: give a whole number from 1 to 10000.'
    """
    parts = _QUOTED.split(message)
    # odd positions are the quoted values, even positions the words around them
    for index in range(0, len(parts), 2):
        text = parts[index]
        if retry_command is not None:
            text = re.sub(r"\bretry\(\)", retry_command, text)
        for pattern, replacement in _PHRASES:
            text = pattern.sub(replacement, text)
        text = _ASSIGNED.sub(lambda m: OPTION_OF[m.group(1)] + " ", text)
        parts[index] = _BARE.sub(lambda m: OPTION_OF[m.group(1)], text)
    return "".join(parts)
