"""The pair operations a run can be, in one table: each verb's operations (unlabelled and
labelled), the title of its progress bar and its command-line command.

The endpoint path and the word for a row's success are the operation classes' own
(``endpoint``/``labels_endpoint`` and ``success``); everything else that names a pair verb
reads this table.

Examples
--------
>>> PAIR_VERBS["disassociate"].operation(labelled=True).__name__
'ArchiveLabels'
>>> [verb.title for verb in PAIR_VERBS.values()]
['associating', 'removing']
"""

from __future__ import annotations

from dataclasses import dataclass

from hubassoc_pandas.operations.archive import Archive
from hubassoc_pandas.operations.archive_labels import ArchiveLabels
from hubassoc_pandas.operations.associate_default import AssociateDefault
from hubassoc_pandas.operations.base import PairOperation
from hubassoc_pandas.operations.create_labelled import CreateLabelled
from hubassoc_pandas.operations.typed_pairs import TypedPairs

__all__ = ["PAIR_VERBS", "PairVerb", "progress_title"]


@dataclass(frozen=True)
class PairVerb:
    """One pair verb: ``attrs["hubassoc"]["operation"]`` of its runs and its command.

    Attributes
    ----------
    verb : str
        ``"associate"`` or ``"disassociate"``; also the ``hubassoc`` command.
    plain : type of PairOperation
        The operation of an unlabelled run.
    labelled : type of TypedPairs
        The operation of a run with ``label``/``label_col``.
    title : str
        The progress bar's title.
    summary : str
        The command's line in ``hubassoc --help``.
    deletes : bool
        Whether it removes data (the command asks before it sends, unless ``--yes``).
    """

    verb: str
    plain: type[PairOperation]
    labelled: type[TypedPairs]
    title: str
    summary: str
    deletes: bool = False

    def operation(self, *, labelled: bool) -> type[PairOperation]:
        """The operation class of an unlabelled or a labelled run."""
        return self.labelled if labelled else self.plain


PAIR_VERBS: dict[str, PairVerb] = {
    verb.verb: verb
    for verb in (
        PairVerb(
            AssociateDefault.verb,
            AssociateDefault,
            CreateLabelled,
            "associating",
            "associate the pairs of two ID columns of a file",
        ),
        PairVerb(
            Archive.verb,
            Archive,
            ArchiveLabels,
            "removing",
            "remove every association between the pairs of two ID columns of a file",
            deletes=True,
        ),
    )
}


def progress_title(operation: PairOperation) -> str:
    """The progress bar's title for a run of ``operation`` (its verb when not a pair verb)."""
    known = PAIR_VERBS.get(operation.verb)
    return known.title if known is not None else operation.verb
