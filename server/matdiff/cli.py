"""The command line (LANGUAGE.md §7): ``matdiff check|grad|diff|hessian|lsp``.

Exit codes: 0 clean, 1 the document has errors, 2 usage or input errors.  Every failure is
one line on stderr; nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from matdiff.api import MatdiffError, check, check_host
from matdiff.base.embedded import host_kind
from matdiff.services.derivatives import EMITTERS


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
        for d in check(text) if kind is None else check_host(text, kind):
            print(f"{path}:{d}")
            status = 1
    return status


def _derivative(args: argparse.Namespace) -> int:
    from matdiff.services import derivatives

    text = _read(args.file)
    kinds: dict[str, derivatives.Kind] = {
        "grad": "gradient",
        "diff": "numerator",
        "hessian": "hessian",
    }
    kind = kinds[args.command]
    print(derivatives.render(text, args.of, args.wrt, kind, args.emit, args.steps))
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
        "and .md files)",
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
        p.add_argument("--wrt", required=True, metavar="VAR", help="the variable")
        p.add_argument("--emit", default="text", choices=tuple(EMITTERS))
        p.add_argument("--steps", action="store_true", help="show the derivation")
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
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 — never a traceback
        print(f"matdiff: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
