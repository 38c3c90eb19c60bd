"""An immutable snapshot of one open document, and the one place where LSP positions meet
offsets (through the negotiated position encoding)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lsprotocol import types

from matdiff.analysis import DocumentModel, analyze
from matdiff.base.spans import Encoding, Span
from matdiff.syntax import ast


@dataclass(frozen=True)
class Settings:
    """What the user chose (``matdiff.*`` in the editor's settings)."""

    layout: str = "both"  # gradient | numerator | both
    steps_on_hover: bool = True
    numeric_check: bool = True
    markdown: bool = True

    @staticmethod
    def from_dict(raw: object, markdown: bool = True) -> Settings:
        data = raw if isinstance(raw, dict) else {}
        layout = data.get("layout", "both")
        return Settings(
            layout=layout if layout in ("gradient", "numerator", "both") else "both",
            steps_on_hover=bool(data.get("stepsOnHover", True)),
            numeric_check=bool(data.get("numericCheck", True)),
            markdown=markdown,
        )


@dataclass(frozen=True)
class Snapshot:
    uri: str
    version: int | None
    model: DocumentModel
    encoding: Encoding = "utf-16"
    settings: Settings = field(default_factory=Settings)

    @staticmethod
    def of(uri: str, text: str, version: int | None = None, encoding: Encoding = "utf-16",
           settings: Settings | None = None) -> Snapshot:  # fmt: skip
        return Snapshot(uri, version, analyze(text), encoding, settings or Settings())

    @property
    def text(self) -> str:
        return self.model.text

    def position(self, offset: int) -> types.Position:
        line, col = self.model.line_index.line_col(offset, self.encoding)
        return types.Position(line=line, character=col)

    def range(self, span: Span) -> types.Range:
        return types.Range(start=self.position(span.start), end=self.position(span.end))

    def offset(self, position: types.Position) -> int:
        return self.model.line_index.offset(position.line, position.character, self.encoding)

    def location(self, span: Span) -> types.Location:
        return types.Location(uri=self.uri, range=self.range(span))

    def statement_at(self, offset: int) -> ast.Statement | None:
        for statement in self.model.document.statements:
            if statement.span.start <= offset <= statement.span.end:
                return statement
        return None

    def line_end(self, offset: int) -> int:
        line, _ = self.model.line_index.line_col(offset)
        return self.model.line_index.line_end(line)
