"""Finding syntax nodes at an offset."""

from __future__ import annotations

from matdiff.syntax import ast


def innermost(expr: ast.Expr, offset: int) -> ast.Expr | None:
    """The smallest expression node of ``expr`` whose span contains ``offset``."""
    if not (expr.span.start <= offset <= expr.span.end):
        return None
    for child in ast.children(expr):
        found = innermost(child, offset)
        if found is not None:
            return found
    return expr


def names_in(statement: ast.Statement) -> list[ast.Name]:
    """Every name written in a statement, in order (declared names, dimensions, uses)."""
    out: list[ast.Name] = []
    if isinstance(statement, ast.Declaration):
        out.extend(statement.names)
        out.extend(d for d in statement.type.dims or () if isinstance(d, ast.Name))
    elif isinstance(statement, ast.Definition):
        out.append(statement.name)
        for node in ast.walk(statement.value):
            if isinstance(node, ast.Name):
                out.append(node)
            elif isinstance(node, ast.Call):
                out.append(node.func)
    return sorted(out, key=lambda n: n.span.start)


def name_at(statement: ast.Statement, offset: int) -> ast.Name | None:
    for name in names_in(statement):
        if name.span.start <= offset <= name.span.end:
            return name
    return None
