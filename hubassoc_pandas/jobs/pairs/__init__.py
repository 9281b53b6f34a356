"""The pair pipeline every write and removal goes through.

- :mod:`.setup`: the frame and its columns checked, before anything is sent.
- :mod:`.pipeline`: :func:`~.pipeline.run_pairs`: plan (by IDs, by keys, labelled or
  not), send, build the results frame.
- :mod:`.by_keys`: the same for columns of keys: look up, then write.
- :mod:`.sending`: one pair operation sent over a plan, with its progress bar.
- :mod:`.id_columns`: a frame's columns as record IDs and plans, for the jobs that read first.
- :mod:`.retry`: ``retry()``: the rows that may still succeed, sent again.

Internal: the public way in is the accessor (``df.hubassoc.associate/disassociate/retry``).
"""

__all__: list[str] = []
