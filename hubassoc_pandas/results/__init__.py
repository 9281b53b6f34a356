"""The frames a run returns. Internal: the public names (``ANNOTATION_DTYPES``, ``STATUSES``)
are exported by the package itself.

- :mod:`.schema`: the results frame's columns and dtypes, ``summary()`` and ``failures()``.
- :mod:`.frame`: every input row once, in input order, with its outcome (pure).
- :mod:`.uniform`: the same, cheaply, when every key shares one outcome (a dry run).
- :mod:`.outcome`: the run record in ``attrs["hubassoc"]``, counts, and the warnings.
- :mod:`.query`: vectorised questions about a results frame (the explorer's filters).
"""

__all__: list[str] = []
