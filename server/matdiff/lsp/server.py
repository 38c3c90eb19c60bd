"""``matdiff lsp``: the language server on standard input and output.

The package's modules, by seam: :mod:`~matdiff.lsp.transport` (stdin framed with bounds,
read on after a broken message), :mod:`~matdiff.lsp.envelope` (what a JSON value is as a
message, what is wrong with it),
:mod:`~matdiff.lsp.protocol` (JSON-RPC answers pygls leaves out, the life cycle, the text
model's hooks), :mod:`~matdiff.lsp.text` (the documents' text, LSP line breaks),
:mod:`~matdiff.lsp.session` (the server and its one piece of mutable state),
:mod:`~matdiff.lsp.isolation` (failing handlers answer a default; derivations off the event
loop, cancellable), :mod:`~matdiff.lsp.handlers` (one short handler per feature) and
:mod:`~matdiff.lsp.settings`.
"""

from __future__ import annotations

import sys
from typing import Any

from lsprotocol import types

from matdiff.lsp import handlers, settings  # noqa: F401 — they register the features
from matdiff.lsp.session import MatdiffServer, server
from matdiff.lsp.transport import serve


@server.feature(types.EXIT)
def on_exit(ls: MatdiffServer, params: Any = None) -> None:
    ls.exit_before_shutdown = not ls.protocol._shutdown


def main(args: list[str] | None = None) -> int:
    """Serve on stdio; the exit code is 0 after ``shutdown`` (or end of input), else 1 (an
    ``exit`` without ``shutdown``)."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() goes to the log, never into the LSP stream
    serve(server, sys.stdin.buffer, out)
    return 1 if server.exit_before_shutdown else 0
