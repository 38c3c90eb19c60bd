"""matdiff documents embedded in other files: ``# matdiff:`` comment blocks in Python,
```` ```matdiff ```` fences in Markdown, and ``%%matdiff`` cells of notebooks.

A :class:`Block` is one embedded document: its text, and a piecewise map between offsets in
that text and offsets in the host file, so that everything reported inside a block lands at
its real place in the host.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from matdiff.base.spans import lone_cr_as_lf

HostKind = Literal["python", "markdown", "cell"]

_PY_LINE = re.compile(r"^[ \t]*#[ \t]*matdiff:")
_CELL_MAGIC = re.compile(r"^%%matdiff(?:[ \t][^\n]*)?$")
NOTEBOOK_CELL_SCHEME = "vscode-notebook-cell:"  # VS Code's URIs of notebook cell documents
_MD_OPEN = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*matdiff\b[^\n]*$")


@dataclass(frozen=True)
class Block:
    """One embedded document.  ``starts[i]`` is where piece i begins in the block's text and
    ``hosts[i]`` where it begins in the host; piece i runs to the end of its line."""

    text: str
    starts: tuple[int, ...]
    hosts: tuple[int, ...]

    def host_offset(self, offset: int) -> int:
        """The host offset of an offset in the block's text."""
        i = max(bisect.bisect_right(self.starts, offset) - 1, 0)
        return self.hosts[i] + (offset - self.starts[i])

    def block_offset(self, host: int) -> int | None:
        """The offset in the block's text of a host offset, or None outside the block."""
        i = bisect.bisect_right(self.hosts, host) - 1
        if i < 0:
            return None
        end = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text) + 1
        offset = self.starts[i] + (host - self.hosts[i])
        return offset if offset < end else None


def host_kind(path: str) -> HostKind | None:
    suffix = PurePath(path).suffix.lower()
    return {".py": "python", ".pyi": "python", ".md": "markdown", ".markdown": "markdown"}.get(
        suffix
    )  # type: ignore[return-value]


def _lines(text: str) -> list[tuple[int, str]]:
    """(offset, line without its line break) for every line of ``text`` (``\\r`` ends one too)."""
    out, pos = [], 0
    for line in lone_cr_as_lf(text).split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _block(pieces: list[tuple[int, str]]) -> Block:
    text, starts, hosts = "", [], []
    for host, content in pieces:
        starts.append(len(text))
        hosts.append(host)
        text += content + "\n"
    return Block(text, tuple(starts), tuple(hosts))


def python_blocks(text: str) -> list[Block]:
    """Runs of consecutive ``# matdiff:`` comment lines (any indentation), one block each."""
    blocks: list[Block] = []
    run: list[tuple[int, str]] = []
    for offset, line in _lines(text):
        m = _PY_LINE.match(line)
        if m:
            run.append((offset + m.end(), line[m.end() :].rstrip("\r")))
        elif run:
            blocks.append(_block(run))
            run = []
    if run:
        blocks.append(_block(run))
    return blocks


def markdown_blocks(text: str) -> list[Block]:
    """Fenced ```` ```matdiff ```` blocks (or ``~~~``), one block each; an unclosed fence
    runs to the end of the file, as in CommonMark."""
    blocks: list[Block] = []
    fence: str | None = None
    run: list[tuple[int, str]] = []
    for offset, line in _lines(text):
        if fence is None:
            m = _MD_OPEN.match(line)
            if m:
                fence, run = m.group(1), []
            continue
        stripped = line.strip()
        if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
            blocks.append(_block(run))
            fence = None
            continue
        run.append((offset, line.rstrip("\r")))
    if fence is not None:
        blocks.append(_block(run))
    return blocks


def cell_blocks(text: str) -> list[Block]:
    """A notebook code cell: a ``%%matdiff`` cell is one block, everything below its first
    line (the cell magic, with its options); any other cell is Python, with its
    ``# matdiff:`` blocks."""
    lines = _lines(text)
    if _CELL_MAGIC.match(lines[0][1].rstrip("\r")):
        if len(lines) < 2:
            return []
        return [_block([(offset, line.rstrip("\r")) for offset, line in lines[1:]])]
    return python_blocks(text)


def notebook_cell(uri: str) -> bool:
    return uri.startswith(NOTEBOOK_CELL_SCHEME)


def blocks(text: str, kind: HostKind) -> list[Block]:
    if kind == "cell":
        return cell_blocks(text)
    return python_blocks(text) if kind == "python" else markdown_blocks(text)
