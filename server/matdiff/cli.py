"""The command line (LANGUAGE.md §7): ``matdiff check|grad|diff|hessian|lsp``.

Exit codes: 0 clean, 1 the document has errors, 2 usage or input errors.  Every failure is
one line on stderr; nothing prints a traceback.

Start-up matters (``matdiff check`` on a small file is mostly start-up): this module imports
only what ``check`` needs; the derivative commands import the engine (and NumPy) and ``lsp``
the language server when they run, so ``check`` never loads them (``bench/startup.py``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from matdiff.analysis import analyze
from matdiff.api import MatdiffError, check, check_host, check_notebook
from matdiff.base.embedded import Block, HostKind, blocks, host_kind
from matdiff.base.language import did_you_mean
from matdiff.base.notebook import is_notebook
from matdiff.base.spans import LineIndex

if TYPE_CHECKING:
    from matdiff.services.derivatives import Kind

# The output forms of ``--emit``: ``derivatives.EMITTERS``'s keys (a test holds them equal),
# spelled out so that building the parser does not import the engine.
EMIT_FORMS = ("text", "dsl", "latex", "numpy", "torch", "jax")
_KINDS: dict[str, Kind] = {"grad": "gradient", "diff": "numerator", "hessian": "hessian"}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _read(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise MatdiffError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise MatdiffError(
            f"cannot read {path}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line})"
        ) from None


def _check(args: argparse.Namespace) -> int:
    status = 0
    for path in args.files:
        text = _read(path)
        kind = host_kind(path)
        if is_notebook(path):  # FILE:cell N:LINE:COL, the line and column in the cell
            try:
                found = [(f"{path}:cell {n}", d) for n, d in check_notebook(text)]
            except MatdiffError as exc:
                raise MatdiffError(f"cannot check {path}: {exc.message}") from None
        else:
            found = [(path, d) for d in (check(text) if kind is None else check_host(text, kind))]
        for where, d in found:
            print(f"{where}:{d}")
            status = 1 if d.severity != "information" else status
    return status


class _DocumentError(Exception):
    """An error at a place in the file: printed as ``FILE:LINE:COL: error: message``."""


def _lines(block: Block, host: str) -> tuple[int, int]:
    """The 1-based host lines of a block's first and last line of matdiff text."""
    index = LineIndex(host)
    first = index.line_col(block.hosts[0])[0] + 1
    return first, index.line_col(block.hosts[-1])[0] + 1


def _span(lines: tuple[int, int]) -> str:
    first, last = lines
    return f"line {first}" if first == last else f"lines {first}–{last}"


def _pick_block(path: str, text: str, kind: HostKind, args: argparse.Namespace) -> Block:
    """The block of a Python or Markdown file that ``args`` asks for: ``--block N``, the one
    holding ``--line L``, or the one that defines ``--of``; a one-line error otherwise."""
    found = [b for b in blocks(text, kind) if b.hosts]
    marks = "'# matdiff:' comment lines" if kind == "python" else "```matdiff fences"
    if not found:
        raise MatdiffError(f"{path} has no matdiff blocks ({marks})")
    lines = [_lines(b, text) for b in found]
    listing = ", ".join(f"block {i} ({_span(r)})" for i, r in enumerate(lines, 1))
    number: int | None = args.block
    line: int | None = args.line
    if number is not None:
        if not 1 <= number <= len(found):
            plural = "s" if len(found) > 1 else ""
            raise MatdiffError(f"--block {number}: {path} has {len(found)} matdiff block{plural}: "
                               f"{listing}")  # fmt: skip
        return found[number - 1]
    if line is not None:
        for block, (first, last) in zip(found, lines, strict=True):
            if first <= line <= last:
                return block
        raise MatdiffError(f"--line {line}: no matdiff block there in {path}: {listing}")
    if len(found) == 1:
        return found[0]
    defined = [analyze(b.text).symbols for b in found]
    having = [i for i, symbols in enumerate(defined) if args.of in symbols]
    if len(having) == 1:
        return found[having[0]]
    if not having:
        names = sorted({n for s in defined for n, sym in s.items() if sym.kind == "definition"})
        hint = did_you_mean(args.of, names)
        suffix = f"; did you mean '{hint}'?" if hint else ""
        raise MatdiffError(f"'{args.of}' is not defined in any matdiff block of {path}{suffix}")
    where = ", ".join(f"block {i + 1} ({_span(lines[i])})" for i in having)
    raise MatdiffError(
        f"'{args.of}' is defined in {len(having)} matdiff blocks of {path}: {where}; "
        "choose one with --block N or --line L"
    )


def _derivative(args: argparse.Namespace) -> int:
    from matdiff.services import derivatives

    if is_notebook(args.file):
        raise MatdiffError(
            f"{args.file} is a notebook: 'matdiff check' reads it; to derive, run a cell "
            f"'%%matdiff --of {args.of} --wrt {args.wrt}' in it (docs/language.md §12)"
        )
    text = _read(args.file)
    kind = host_kind(args.file)
    if kind == "python":
        from matdiff import pysource

        function = pysource.find(text, args.of)
        if function is not None:
            print(pysource.render(function, args.wrt, _KINDS[args.command], args.emit, args.steps))
            return 0
    if args.emit == "code":
        raise MatdiffError("--emit code is for the functions of a Python file (docs/python.md)")
    block: Block | None = None
    if kind is not None:
        block = _pick_block(args.file, text, kind, args)
    elif args.block is not None or args.line is not None:
        raise MatdiffError(
            f"--block and --line choose a matdiff block of a Python or Markdown file; "
            f"{args.file} is a matdiff document"
        )
    source = text if block is None else block.text
    try:
        out = derivatives.render(
            source, args.of, args.wrt, _KINDS[args.command], args.emit, args.steps
        )
    except MatdiffError as exc:
        if exc.line is None or exc.column is None:
            raise
        line, column = exc.line, exc.column
        if block is not None:  # block position → host file position
            offset = LineIndex(block.text).offset(line - 1, column - 1)
            line, column = (n + 1 for n in LineIndex(text).line_col(block.host_offset(offset)))
        raise _DocumentError(f"{args.file}:{line}:{column}: error: {exc.message}") from None
    print(out)
    return 0


def _lsp(args: argparse.Namespace) -> int:
    from matdiff.lsp.server import main

    return main()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="matdiff", description="Matrix calculus by differentials.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    p = sub.add_parser(
        "check",
        help="report the diagnostics of documents (.matdiff; or the matdiff blocks of .py "
        "and .md files and the matdiff cells of .ipynb notebooks)",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(run=_check)
    helps = {
        "grad": "the gradient of a scalar definition (shaped like the variable)",
        "diff": "the derivative in numerator layout (the tutorial's)",
        "hessian": "the Hessian of a scalar definition",
    }
    for name, help_text in helps.items():
        p = sub.add_parser(name, help=help_text)
        p.add_argument("file", metavar="FILE")
        p.add_argument("--of", required=True, metavar="NAME", help="the definition")
        p.add_argument(
            "--wrt", required=True, metavar="VAR", help="the variable (or a definition it uses)"
        )
        p.add_argument("--emit", default="text", choices=(*EMIT_FORMS, "code"))
        p.add_argument("--steps", action="store_true", help="show the derivation")
        pick = p.add_mutually_exclusive_group()
        pick.add_argument(
            "--block", type=int, metavar="N", help="in a .py or .md file: the Nth matdiff block"
        )
        pick.add_argument(
            "--line", type=int, metavar="L", help="in a .py or .md file: the block on line L"
        )
        p.set_defaults(run=_derivative)
    p = sub.add_parser("lsp", help="the language server, on stdin/stdout")
    p.add_argument(
        "--stdio", action="store_true", help="accepted and ignored (stdio is the default)"
    )
    p.set_defaults(run=_lsp)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.run(args))
    except _UsageError as exc:
        print(f"matdiff: error: {exc}", file=sys.stderr)
        return 2
    except MatdiffError as exc:
        print(f"matdiff: error: {exc}", file=sys.stderr)
        return 2
    except _DocumentError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 — never a traceback
        print(f"matdiff: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
