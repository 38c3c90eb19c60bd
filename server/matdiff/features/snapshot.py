"""An immutable snapshot of one open document, and the one place where LSP positions meet
offsets (through the negotiated position encoding)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types

from matdiff import pysource
from matdiff.analysis import DocumentModel, analyze
from matdiff.analysis.model import Symbol
from matdiff.base.embedded import Block, HostKind, blocks
from matdiff.base.spans import Encoding, LineIndex, Span
from matdiff.engine.shape import Shape
from matdiff.syntax import ast
from matdiff.syntax.parser import MAX_STATEMENTS

# how messages quote a place of the document: "declared at 3:5", "defined on line 3"
_PLACE = re.compile(r"\b(at) (\d+):(\d+)\b|\b(on line) (\d+)\b")


@dataclass(frozen=True)
class Embedding:
    """Where a snapshot's document lives inside a host file (Python or Markdown): the block's
    offset map, the host's line index, and the comment prefix new lines need (Python)."""

    block: Block
    index: LineIndex
    prefix: str
    text: str  # the host file's text


@dataclass(frozen=True)
class Settings:
    """What the user chose (``matdiff.*`` in the editor's settings)."""

    layout: str = "both"  # gradient | numerator | both
    steps_on_hover: bool = True
    numeric_check: bool = True
    markdown: bool = True

    @staticmethod
    def from_dict(raw: object, markdown: bool = True) -> Settings:
        return Settings.read(raw, markdown)[0]

    @staticmethod
    def read(raw: object, markdown: bool = True) -> tuple[Settings, list[str]]:
        """The settings in ``raw`` (the ``matdiff`` section), and what was ignored in it: a
        value of the wrong kind keeps its default (``"no"`` is not ``false``)."""
        data = raw if isinstance(raw, dict) else {}
        ignored = [] if raw is None or isinstance(raw, dict) else [
            f"the settings are {_kind(raw)}, not an object"]  # fmt: skip

        def value(key: str, default: Any, allowed: tuple[Any, ...]) -> Any:
            got = data.get(key, default)
            if type(got) is type(default) and (not allowed or got in allowed):
                return got
            words = [json.dumps(a) for a in allowed] or ["true", "false"]
            choices = ", ".join(words[:-1]) + " or " + words[-1]
            ignored.append(f"matdiff.{key} is {_kind(got)}, not {choices}: "
                           f"{json.dumps(default)} is used")  # fmt: skip
            return default

        settings = Settings(
            layout=value("layout", "both", ("gradient", "numerator", "both")),
            steps_on_hover=value("stepsOnHover", True, ()),
            numeric_check=value("numericCheck", True, ()),
            markdown=markdown,
        )
        return settings, ignored


def _kind(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value[:40], ensure_ascii=False)
    kinds = {bool: "a boolean", int: "a number", float: "a number", list: "a list",
             dict: "an object", type(None): "null"}  # fmt: skip
    return kinds.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class Snapshot:
    uri: str
    version: int | None
    model: DocumentModel
    encoding: Encoding = "utf-16"
    settings: Settings = field(default_factory=Settings)
    host: Embedding | None = None  # set for a block embedded in a Python or Markdown file

    @staticmethod
    def of(uri: str, text: str, version: int | None = None, encoding: Encoding = "utf-16",
           settings: Settings | None = None) -> Snapshot:  # fmt: skip
        return Snapshot(uri, version, analyze(text), encoding, settings or Settings())

    @staticmethod
    def of_host(uri: str, text: str, kind: HostKind, version: int | None = None,
                encoding: Encoding = "utf-16",
                settings: Settings | None = None) -> tuple[Snapshot, ...]:  # fmt: skip
        """One snapshot per matdiff block of a Python or Markdown file (and per annotated
        Python function), while their statements number at most ``MAX_STATEMENTS`` in all:
        the block where they run out says so, and the blocks after it are not checked."""
        index = LineIndex(text)
        out: list[Snapshot] = []
        room = MAX_STATEMENTS
        for block in blocks(text, kind):
            if room <= 0:
                break
            prefix = ""
            if kind != "markdown":  # Python, or a notebook cell (none before %%matdiff's)
                start = block.hosts[0]
                prefix = text[index.line_start(index.line_col(start)[0]) : start]
            host = Embedding(block, index, prefix, text)
            model = analyze(block.text, room)
            room -= len(model.document.statements) + 1  # (+1: a block of no statement)
            out.append(Snapshot(uri, version, model, encoding, settings or Settings(), host))
        if kind == "python":  # annotated NumPy/PyTorch/JAX functions (LANGUAGE.md §10)
            for doc in pysource.documents_in(text):
                if room <= 0:
                    break
                model = pysource.model(doc)
                room -= len(model.document.statements) + 1
                host = Embedding(doc.block, index, "", text)
                out.append(Snapshot(uri, version, model, encoding, settings or Settings(), host))
        return tuple(out)

    @property
    def text(self) -> str:
        return self.model.text

    @property
    def python_function(self) -> bool:
        """A document read from an annotated Python function: Python's own language server
        completes, navigates and renames there; matdiff answers hovers and code actions."""
        return self.host is not None and getattr(self.host.block, "function", None) is not None

    def shape_text(self, shape: Shape) -> str:
        """A shape as the file the user reads writes it: a Python function's values in
        NumPy's ``(m,)``, ``(m, n)``, ``()`` (docs/python.md, "Shapes"); a matdiff document's
        in the language's ``m×1``, ``m×n``, ``scalar``."""
        if self.python_function:
            return pysource.words(pysource.numpy_shape(shape))
        return str(shape)

    def aside(self, shape: Shape, more: str = "") -> str:
        """A shape in parentheses after a name, ``(m×n)``; a tuple is its own: ``(m, n)``."""
        if self.python_function:
            return f"{self.shape_text(shape)}{more}"
        return f"({shape}{more})"

    def describe(self, sym: Symbol) -> str:
        """``sym``'s kind, name and shape, the shape written as :meth:`shape_text` does."""
        return sym.describe(pysource.described if self.python_function else None)

    def line_col(self, offset: int) -> tuple[int, int]:
        """The client's line and column of a document offset."""
        if self.host is not None:
            host = self.host.block.host_offset(offset)
            return self.host.index.line_col(host, self.encoding)
        return self.model.line_index.line_col(offset, self.encoding)

    def line_number(self, offset: int) -> int:
        """The 1-based line of a document offset, as the user sees it: in an embedded block,
        the host file's line."""
        return self.line_col(offset)[0] + 1

    def places(self, message: str) -> str:
        """``message`` with the places it quotes (``at L:C``, ``on line L``: 1-based, columns in
        characters, counted in the document) counted in the host file for an embedded
        block, like everything else the user reads."""
        if self.host is None:
            return message
        index, block, host_index = self.model.line_index, self.host.block, self.host.index

        def host(m: re.Match[str]) -> str:
            word, line, col = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (
                m.group(4), m.group(5), None)  # fmt: skip
            offset = index.offset(int(line) - 1, int(col or 1) - 1)
            at_line, at_col = host_index.line_col(block.host_offset(offset))
            return f"{word} {at_line + 1}" + ("" if col is None else f":{at_col + 1}")

        return _PLACE.sub(host, message)

    def position(self, offset: int) -> types.Position:
        line, col = self.line_col(offset)
        return types.Position(line=line, character=col)

    def range(self, span: Span) -> types.Range:
        """The client range of ``span`` (in document offsets, or in a statement's frame)."""
        at = self.model.absolute(span)
        return types.Range(start=self.position(at.start), end=self.position(at.end))

    def offset(self, position: types.Position) -> int:
        """The document offset of a client position; -1 outside an embedded block."""
        if self.host is not None:
            host = self.host.index.offset(position.line, position.character, self.encoding)
            got = self.host.block.block_offset(host)
            return -1 if got is None else got
        return self.model.line_index.offset(position.line, position.character, self.encoding)

    def contains(self, position: types.Position) -> bool:
        return self.host is None or self.offset(position) >= 0

    def embed(self, text: str) -> str:
        """Lines of matdiff as the host file writes them (``# matdiff:`` in Python)."""
        if self.host is None or not self.host.prefix:
            return text
        return "\n".join(f"{self.host.prefix} {line}" for line in text.split("\n"))

    def after_block(self) -> types.Position:
        """The end of an embedded block's last host line (where code goes below the block)."""
        assert self.host is not None
        line, _ = self.host.index.line_col(self.host.block.hosts[-1])
        end = self.host.index.line_end(line)
        line, col = self.host.index.line_col(end, self.encoding)
        return types.Position(line=line, character=col)

    def line_start_position(self, offset: int) -> types.Position:
        """Where a new line inserted before the line of ``offset`` starts (in the host, the
        start of the host's line, before any comment prefix)."""
        if self.host is not None:
            line, _ = self.host.index.line_col(self.host.block.host_offset(offset))
            return types.Position(line=line, character=0)
        line, _ = self.model.line_index.line_col(offset)
        return self.position(self.model.line_index.line_start(line))

    def location(self, span: Span) -> types.Location:
        return types.Location(uri=self.uri, range=self.range(span))

    def statement_at(self, offset: int) -> tuple[ast.Statement, int] | None:
        """The statement at document ``offset``, and the offset within the statement (the
        coordinates of its spans)."""
        return self.model.statement_at(offset)

    def line_end(self, offset: int) -> int:
        line, _ = self.model.line_index.line_col(offset)
        return self.model.line_index.line_end(line)
