"""Standard input with bounds: pygls reads a header line with ``readline()`` and a body with
``read(content_length)``, trusting both.  ``Content-Length: 4000000000`` would wait for four
gigabytes that never come, and 10¹² fails allocating them.  :class:`BoundedInput` refuses a
message past :data:`MAX_MESSAGE` (and a header line past :data:`MAX_HEADER`) as soon as its
header says so, without reading or allocating it: it says why on standard error and ends the
input, so the server stops cleanly (exit code 1).  The stream cannot be trusted after a
refused header: there is no next message to find.
"""

from __future__ import annotations

import logging
import re
from typing import BinaryIO

log = logging.getLogger("matdiff.lsp")

MAX_MESSAGE = 64 * 1024 * 1024
MAX_HEADER = 8 * 1024
_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*(\d*)", re.IGNORECASE)


class BoundedInput:
    """The reader pygls's stdio loop is given (``readline``/``read``, like a binary file)."""

    def __init__(self, raw: BinaryIO, limit: int = MAX_MESSAGE) -> None:
        self.raw = raw
        self.limit = limit
        self.refused: str | None = None  # why the input was ended, if it was

    def readline(self) -> bytes:
        if self.refused:
            return b""
        line = self.raw.readline(MAX_HEADER + 1)
        if len(line) > MAX_HEADER:
            return self._refuse(f"a header line longer than {MAX_HEADER} bytes")
        m = _LENGTH.match(line)
        if m:
            digits = m.group(1).lstrip(b"0")  # (int() of thousands of digits is refused too)
            if len(digits) > len(str(self.limit)) or int(digits or 0) > self.limit:
                shown = digits if len(digits) <= 20 else digits[:20] + b"..."
                return self._refuse(
                    f"a message of {shown.decode()} bytes (the limit is {self.limit} bytes)"
                )
        return line

    def read(self, n: int = -1) -> bytes:
        if self.refused:
            return b""
        if n < 0 or n > self.limit:  # the header check makes this unreachable from pygls
            return self._refuse(f"a read of {n} bytes (the limit is {self.limit} bytes)")
        return self.raw.read(n)

    def _refuse(self, what: str) -> bytes:
        self.refused = what
        log.error("matdiff: refused %s; the server stops (its input cannot be read on)", what)
        return b""
