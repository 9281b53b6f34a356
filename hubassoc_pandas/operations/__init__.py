"""One module per HubSpot batch endpoint; :mod:`.base` says what an operation must answer.

- :mod:`.associate_default`: ``batch/associate/default`` (``associate()``).
- :mod:`.archive`: ``batch/archive`` (``disassociate()``).
"""
