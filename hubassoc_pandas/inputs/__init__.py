"""What a run is given, read into the wire's terms. Pure: no I/O. Internal.

- :mod:`.ids`: a column of record IDs as strings of ASCII digits, and why a value is not one.
- :mod:`.plan`: two ID columns as unique pairs to send, cut into batches.
- :mod:`.row_problems`: what is wrong with each invalid row, kept for those rows only.
- :mod:`.object_types`: object-type names and IDs as they go in the URL path.
- :mod:`.key_values`: a column of emails, domains or unique values as HubSpot stores them.
- :mod:`.columns`: long text and ID columns built cheaply from a few distinct values.
"""

__all__: list[str] = []
