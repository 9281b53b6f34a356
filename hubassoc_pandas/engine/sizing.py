"""How many keys a request may carry: learnt from which batch sizes HubSpot accepts. Pure.

HubSpot does not publish the wording of its refusal of an over-large batch. A whole-batch 400
that names no key may be about the size or about some key in the batch; splitting the batch
in halves (as isolation does anyway) tells them apart: if both halves are accepted, the size
was the problem, and if one half is refused too, a key was. The :class:`BatchSizer` remembers
the largest size accepted so far (``accepted``) and the smallest refused as too large
(``refused``), and sends new batches at a size between them, bisecting until the two are
within about 5% of each other; then it keeps that size for the rest of the run.

Once a refusal has cast doubt on the size, only one batch of a size not yet accepted is in
flight at a time (slow start): sixteen workers sending sixteen batches of an untried size
would earn sixteen identical refusals. Batches of a size already accepted go on meanwhile.
A run starts at full speed with the documented cap: waiting for a first answer before
sending anything else would cost every run a round trip (a second or more of its rate
limit), to save a few refused requests in the rare run where the documented cap is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["BatchSizer", "Suspect"]

#: Stop bisecting when the gap between accepted and refused is within this share of accepted.
CLOSE_ENOUGH = 0.05


@dataclass
class Suspect:
    """A batch refused as a whole without naming a key, maybe for its size: it was, if both
    its halves go through."""

    size: int
    accepted_halves: int = 0


@dataclass
class BatchSizer:
    """The batch size of a run, learnt from HubSpot's answers.

    Parameters
    ----------
    cap : int
        The largest batch size to send (the user's, else the operation's documented cap).

    Examples
    --------
    A cap of 100 that HubSpot enforces without saying so:

    >>> sizer = BatchSizer(2000)
    >>> suspect = sizer.refused(2000)              # halves of 1000 go next
    >>> sizer.refused(1000) is not None             # ... and are refused too
    True
    >>> s = sizer.refused(500); s = sizer.refused(250); s = sizer.refused(125)
    >>> sizer.accepted(62, s), sizer.accepted(63, s)   # both halves of 125 got through
    (None, 94)
    >>> sizer.size, sizer.largest_accepted, sizer.smallest_refused
    (94, 63, 125)
    >>> sizer.tried(94), sizer.safe_size()   # one batch of 94 at a time, others of 63
    (False, 63)
    """

    cap: int
    size: int = 0
    largest_accepted: int = 0
    smallest_refused: int | None = None
    named_limit: int | None = None
    suspects: dict[int, Suspect] = field(default_factory=dict)
    _next_id: int = 1

    def __post_init__(self) -> None:
        if self.cap < 1:
            raise ValueError("the batch size cap must be at least 1")
        self.size = self.size or self.cap

    # -- what the engine asks --------------------------------------------------------------------
    def tried(self, size: int) -> bool:
        """Whether a batch of ``size`` may be in flight with others of an untried size: it
        is known to go through, or no refusal has cast doubt on any size yet."""
        return size <= self.largest_accepted or not self.doubted()

    def doubted(self) -> bool:
        """Whether a refusal may have been, or was, about the size of a batch."""
        return bool(self.suspects) or self.smallest_refused is not None

    def too_large(self, size: int) -> bool:
        """Whether a batch of ``size`` is known to be refused for its size."""
        return self.smallest_refused is not None and size >= self.smallest_refused

    def safe_size(self) -> int:
        """The size to cut batches at while a batch of :attr:`size` is still untried."""
        return min(self.size, self.largest_accepted)

    # -- what the engine tells -------------------------------------------------------------------
    def refused(self, size: int, parent: int | None = None, *, named: bool = False) -> int | None:
        """A batch of ``size`` was refused as a whole (``named``: the refusal named keys).

        ``parent``: the suspect the batch was split from, which no longer needs both halves
        to go through (a half refused explains it either way). Returns the number of a new
        suspect to give both halves (see :meth:`accepted`), or None when the refusal is
        about keys: it named them, or the size is known to go through.
        """
        if parent is not None:
            self.suspects.pop(parent, None)
        if named or size <= self.largest_accepted or size < 2:
            return None
        number = self._next_id
        self._next_id += 1
        self.suspects[number] = Suspect(size)
        return number

    def forget(self, suspect: int | None) -> None:
        """A half of ``suspect`` ended without an answer either way: it stays unproven."""
        if suspect is not None:
            self.suspects.pop(suspect, None)

    def is_suspect(self, suspect: int | None) -> bool:
        """Whether ``suspect`` is a refusal still waiting for both halves."""
        return suspect is not None and suspect in self.suspects

    def accepted(self, size: int, suspect: int | None = None) -> int | None:
        """A batch of ``size`` went through (``suspect``: the refusal it was split from).

        Returns the new batch size when it changed, else None.
        """
        before = self.size
        self.largest_accepted = max(self.largest_accepted, size)
        found = self.suspects.get(suspect) if suspect is not None else None
        if found is not None:
            found.accepted_halves += 1
            if found.accepted_halves >= 2:  # both halves went through: it was the size
                del self.suspects[suspect]  # type: ignore[arg-type]
                self.learn_too_large(found.size)
        self._settle()
        return self.size if self.size != before else None

    def learn_too_large(self, size: int, limit: int | None = None) -> int:
        """A batch of ``size`` is too large; ``limit``: the largest size HubSpot's refusal
        named, trusted as it is. Returns the new batch size."""
        refused = size
        if limit is not None and 0 < limit < size:
            refused = limit + 1
            self.named_limit = limit
        if self.smallest_refused is None or refused < self.smallest_refused:
            self.smallest_refused = refused
            # suspects at least this large are explained
            for number in [n for n, found in self.suspects.items() if found.size >= refused]:
                del self.suspects[number]
        self._settle()
        return self.size

    def _settle(self) -> None:
        """Aim between the largest size accepted and the smallest refused."""
        accepted, refused = self.largest_accepted, self.smallest_refused
        if refused is None:
            self.size = self.cap
            return
        refused = min(refused, self.cap + 1)
        gap = refused - accepted
        if accepted and gap <= max(1, int(accepted * CLOSE_ENOUGH)):
            self.size = accepted  # close enough: keep it for the run
        elif accepted:
            self.size = accepted + gap // 2
        elif self.named_limit is not None and self.named_limit < refused:
            self.size = self.named_limit  # nothing accepted yet: the size HubSpot named
        else:  # nothing accepted yet: half of the smallest refusal
            self.size = max(1, refused // 2)
