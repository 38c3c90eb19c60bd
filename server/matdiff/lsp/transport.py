"""Standard input, framed here: bounded reading, and reading on after a broken message.

pygls's stdio loop trusts its input: it matches ``Content-Length: N\\r\\n`` exactly (any
other spelling is skipped, and the body is then read as header lines, losing the messages
after it), reads N bytes however large N is, and hands the body to ``json.loads`` with its
``object_hook`` applied to every nested object.  :class:`Frames` reads instead:

- a header is lines of ``Name: value`` (any case, ``\\r\\n`` or ``\\n``) up to a blank line;
  unknown headers are ignored, blank lines between messages too;
- a message whose header is broken (no ``Content-Length``, one that is not a number of
  bytes, a line that is not a header, a header past :data:`MAX_HEADER` bytes, a length past
  :data:`MAX_MESSAGE`, a charset other than UTF-8) is a :class:`Broken` item, and reading
  goes on at the next ``Content-Length:`` of the input, which skips the message without
  keeping it in memory;
- a body is UTF-8 JSON (not ``NaN`` or ``Infinity``, which Python would accept, nor nested
  past what ``json`` can read); one that is not, and holds a ``Content-Length`` header, was
  cut short by its own length running into the next message: the rest is read again as
  that message, so only the broken one is lost.

:func:`serve` is pygls's ``start_io`` with this reader: each item goes to the protocol's
``receive``, which answers what is broken (:mod:`matdiff.lsp.protocol`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from pygls.io_ import StdoutWriter

if TYPE_CHECKING:
    from matdiff.lsp.session import MatdiffServer

log = logging.getLogger("matdiff.lsp")

MAX_MESSAGE = 64 * 1024 * 1024
MAX_HEADER = 8 * 1024
_CHUNK = 1 << 20
_HEADER_START = re.compile(rb"content-length[ \t]*:", re.IGNORECASE)
_NEXT_HEADER = re.compile(rb"content-length[ \t]*:[ \t]*\d+[ \t]*\r?\n", re.IGNORECASE)
_TOKEN = re.compile(rb"[A-Za-z0-9!#$%&'*+.^_`|~-]+")  # a header name (RFC 9110)
_CHARSET = re.compile(rb";\s*charset\s*=\s*\"?([^\s;\"]*)", re.IGNORECASE)


@dataclass(frozen=True)
class Broken:
    """A message that could not be read, and why (the message of its error answer)."""

    why: str


class Frames:
    """LSP messages from a byte stream (``read1`` like a buffered file, or ``read``)."""

    def __init__(self, raw: BinaryIO, limit: int = MAX_MESSAGE) -> None:
        self._read = raw.read1 if hasattr(raw, "read1") else raw.read
        self.limit = limit
        self._buf = bytearray()
        self._eof = False
        self._lost = False  # the bytes up to the next header are not a message
        self._quiet = False  # a broken body was reported: its leftovers are not again

    def next(self) -> Any:
        """The next message as a JSON value, a :class:`Broken` one, or :data:`END`."""
        while True:
            if self._lost:
                if not self._resync():
                    return END
                self._lost = False
            head = self._header()
            if head is None:
                return END
            if isinstance(head, Broken):
                self._lost = True
                if self._quiet:  # what is left of a message already reported
                    self._quiet = False
                    continue
                return head
            length, problem = head
            body = self._body(length)
            if body is None:
                return Broken(f"the input ends inside a message body of {length} bytes")
            if problem is not None:
                return Broken(problem)
            item = self._decode(body)
            self._quiet = isinstance(item, Broken)
            return item

    # reading

    def _more(self) -> bool:
        if self._eof:
            return False
        chunk = self._read(_CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._buf += chunk
        return True

    def _header(self) -> tuple[int, str | None] | Broken | None:
        """The body's length (and a reason to refuse it) from the header at the start of
        the buffer, consumed; a Broken header is consumed to inside its first bad line."""
        pos, length, problem = 0, None, None
        while True:
            end = self._buf.find(b"\n", pos)
            while end < 0:
                if len(self._buf) > MAX_HEADER:
                    return self._broken(pos, f"the header is longer than {MAX_HEADER} bytes")
                if not self._more():
                    rest = bytes(self._buf[pos:]).strip()
                    self._buf.clear()
                    return Broken("the input ends inside a message header") if rest else None
                end = self._buf.find(b"\n", pos)
            if end > MAX_HEADER:
                return self._broken(pos, f"the header is longer than {MAX_HEADER} bytes")
            line = bytes(self._buf[pos:end]).rstrip(b"\r")
            start, pos = pos, end + 1
            if not line.strip():
                if start == 0:  # a blank line between messages
                    del self._buf[:pos]
                    pos = 0
                    continue
                break
            name, colon, value = line.partition(b":")
            name, value = name.strip().lower(), value.strip()
            glued = name != b"content-length" and _HEADER_START.search(line, 1)
            if not colon or not _TOKEN.fullmatch(name) or glued:  # (glued: junk, then a header)
                return self._broken(start, f"{_shown(line)} is not a message header (Name: value)")
            if name == b"content-length":
                if not value.isdigit() or not value.isascii():
                    return self._broken(
                        start, f"Content-Length {_shown(value)} is not a number of bytes"
                    )
                value = value.lstrip(b"0") or b"0"
                n = int(value) if len(value) <= 18 else 10**18
                if length is not None and n != length:
                    return self._broken(
                        start, "the message has two different Content-Length headers"
                    )
                length = n
            elif name == b"content-type" and (m := _CHARSET.search(value)):
                charset = m.group(1).decode("ascii", "replace").lower()
                if charset not in ("utf-8", "utf8"):
                    problem = f"the message is in the charset {charset!r}; LSP messages are UTF-8"
        # refused whole: dropped up to its blank line (pos - 1), not one byte further
        if length is None:
            return self._broken(pos - 1, "the message has no Content-Length header")
        if length > self.limit:
            over = f"the message is {length} bytes long, over the limit of {self.limit}: skipped"
            return self._broken(pos - 1, over)
        del self._buf[:pos]
        return length, problem

    def _broken(self, upto: int, why: str) -> Broken:
        """Drop the buffer up to inside the bad line (a header may start later in it)."""
        del self._buf[: upto + 1]
        return Broken(why)

    def _resync(self) -> bool:
        """Skip to the next ``Content-Length:``; False at the end of the input."""
        while True:
            m = _HEADER_START.search(self._buf)
            if m:
                del self._buf[: m.start()]
                return True
            del self._buf[: max(len(self._buf) - 64, 0)]  # a header may straddle two reads
            if not self._more():
                self._buf.clear()
                return False

    def _body(self, length: int) -> bytes | None:
        while len(self._buf) < length:
            if not self._more():
                self._buf.clear()
                return None
        body = bytes(self._buf[:length])
        del self._buf[:length]
        return body

    def _decode(self, body: bytes) -> Any:
        try:
            return json.loads(body.decode("utf-8"), parse_constant=_not_json)
        except UnicodeDecodeError as exc:
            why = f"the message is not UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start})"
        except RecursionError:
            why = "the message is nested too deeply to read"
        except ValueError as exc:  # JSONDecodeError, or an integer of over 4,300 digits
            why = f"the message is not JSON: {exc}"
            if "integer string conversion" in str(exc):
                why = "the message holds a number of more than 4,300 digits"
        cut = _NEXT_HEADER.search(body, 1)
        if cut:  # its length ran into the next message: read that one whole
            self._buf[:0] = body[cut.start() :]
            why = (
                "the message is shorter than its Content-Length: the next message's header "
                f"starts at byte {cut.start()} of it"
            )
        return Broken(why)


END = object()  # the end of the input (a message may be the JSON value null)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _shown(raw: bytes) -> str:
    text = repr(raw[:60].decode("utf-8", "replace"))
    return text if len(text) <= 60 and len(raw) <= 60 else text[:59] + "…"


def serve(server: MatdiffServer, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Serve until the input ends or ``exit`` comes: pygls's ``start_io``, reading with
    :class:`Frames` (in a worker thread, so requests run while the next one is awaited)."""
    frames = Frames(stdin)
    server.protocol.set_writer(StdoutWriter(stdout))

    async def loop() -> None:
        running = asyncio.get_running_loop()
        while (item := await running.run_in_executor(server.thread_pool, frames.next)) is not END:
            server.protocol.receive(item)

    try:
        asyncio.run(loop())
    except BrokenPipeError:
        log.error("matdiff: the client closed its end; the server stops")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]
