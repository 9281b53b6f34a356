"""One module per HubSpot batch endpoint; :mod:`.base` says what an operation must answer.

- :mod:`.associate_default`: ``batch/associate/default`` (``associate()``).
- :mod:`.archive`: ``batch/archive`` (``disassociate()``).
- :mod:`.create_labelled`: ``batch/create`` with a label; :mod:`.archive_labels`:
  ``batch/labels/archive``; both over :mod:`.typed_pairs`.
- :mod:`.read`: ``batch/read`` (what exists).
- :mod:`.label_list`: ``GET .../labels`` (the association types of a direction).
- :mod:`.resolve_by_property`: objects ``batch/read`` by a unique property (emails);
  :mod:`.search_domains`: companies ``search`` by domain.
- :mod:`.registry`: the pair verbs, their operations, titles and commands.

Internal: nothing here is public API.
"""

__all__: list[str] = []
