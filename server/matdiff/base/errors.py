"""The error of the public surface: bad input to the API, the CLI or a service."""

from __future__ import annotations


class MatdiffError(Exception):
    """Bad input to the API: carries the message and (where there is one) the position."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"{self.line}:{self.column}: {self.message}"
