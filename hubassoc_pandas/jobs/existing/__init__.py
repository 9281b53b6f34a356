"""What exists in HubSpot, and the jobs that read it before they write or remove.

- :mod:`.reading`: one ``batch/read`` run over from-IDs, flattened to links.
- :mod:`.read`, :mod:`.read_by_keys`, :mod:`.read_frames`, :mod:`.read_outcome`: ``read()``.
- :mod:`.key_columns`: key columns turned into record IDs for the jobs below.
- :mod:`.check`: ``associate(check_existing=True)``.
- :mod:`.sync`, :mod:`.sync_plan`, :mod:`.sync_apply`, :mod:`.sync_by_keys`: ``sync()``
  and ``apply_plan()``.
- :mod:`.undo`: ``undo()``.

Internal: the public way in is the accessor (``df.hubassoc.read/sync/undo``).
"""

__all__: list[str] = []
