"""Asking before a command deletes anything.

A command that deletes goes ahead only on ``--yes`` or on a "yes" typed at a terminal. With
no terminal to ask (a script, a pipe, a closed standard input) and no ``--yes``, it refuses.
"""

from __future__ import annotations

import sys
from typing import TextIO

from hubassoc_pandas.errors import ConfigError

__all__ = ["ConfirmationNeeded", "confirm"]

_YES = ("y", "yes")


class ConfirmationNeeded(ConfigError):
    """A deleting command was started without ``--yes`` where no one can be asked."""


def confirm(
    question: str,
    *,
    command: str,
    yes: bool,
    stdin: TextIO | None = None,
    stderr: TextIO | None = None,
) -> bool:
    """Whether to go ahead with a command that deletes.

    Parameters
    ----------
    question : str
        What is about to happen, e.g. ``"Delete the associations of 120 pairs?"``.
    command : str
        The command's name, for the refusal message.
    yes : bool
        ``--yes`` was given: go ahead without asking.
    stdin, stderr : file, optional
        Where the answer is read and the question written (default: the process's own).

    Returns
    -------
    bool
        True after ``--yes`` or an answer of y/yes (any case); False for any other answer,
        including none (end of input).

    Raises
    ------
    ConfirmationNeeded
        No ``--yes`` and standard input is not a terminal, so no one can answer.

    Examples
    --------
    >>> confirm("Delete 3 associations?", command="disassociate", yes=True)
    True
    """
    if yes:
        return True
    stdin = sys.stdin if stdin is None else stdin
    stderr = sys.stderr if stderr is None else stderr
    if stdin is None or stdin.closed or not stdin.isatty():
        raise ConfirmationNeeded(
            f"hubassoc {command} deletes and asks for confirmation first, but standard input "
            "is not a terminal: add --yes to go ahead without asking."
        )
    stderr.write(f"{question} [y/N] ")
    stderr.flush()
    answer = stdin.readline()
    if not answer.endswith("\n"):
        stderr.write("\n")
    return answer.strip().lower() in _YES
