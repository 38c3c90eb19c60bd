"""Editor features as pure functions of a document snapshot.

Each module takes a :class:`~matdiff.features.snapshot.Snapshot` (and a position or settings)
and returns lsprotocol data.  Nothing here imports pygls: the ``lsp`` package wires these
functions to the protocol.
"""
