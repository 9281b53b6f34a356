"""Association labels: a direction's label types, a label as a person names it resolved to
its type, and labelled writes and removals (``label``/``label_col``).

- :mod:`.definitions`: ``labels()``: the direction's label types, read from HubSpot.
- :mod:`.resolve`: a name, a type ID or ``(category, type_id)`` to one label type (pure).
- :mod:`.labelling`: :class:`~.labelling.Labelling`: plan a labelled run, finish its frame.

Internal: :func:`hubassoc_pandas.labels` is the public name.
"""

__all__: list[str] = []
