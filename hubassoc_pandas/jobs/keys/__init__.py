"""Keys other than record IDs: emails, unique property values and company domains turned
into record IDs, a stage before any operation (``from_id_property``/``to_id_property``).

- :mod:`.spec`: which property a key column holds for which object type, checked.
- :mod:`.lookup`: :class:`~.lookup.KeySession`: each distinct key looked up once, paced,
  journalled, shared by every phase of a run.
- :mod:`.session`: a run's key session opened and closed, and one column resolved with it.
- :mod:`.outcomes`: what a looked-up key comes to for its rows, in words a person can act on.

Internal: the public way in is the accessor's ``from_id_property`` and ``to_id_property``.
"""

__all__: list[str] = []
