"""The user jobs, one folder each: record keys, labels, and what exists (read, check, sync,
undo), over the pair pipeline every run goes through."""
