"""How ``--help`` reads: the command classes every ``cpt`` command is built with.

Typer shows a required argument as ``{CODE...}`` in the usage line and prints the type of
each argument (``<str>``) next to its name; the metavars already say what to give, so
both are dropped here. Help text is reflowed: a paragraph of prose becomes one line that
the help printer wraps to the terminal, and an indented block (the examples) is kept line
for line, so neither is cut into uneven pieces at any width.

There is no ``from __future__ import annotations`` here, as in the command modules.
"""

from typing import Any, Optional

from typer.core import TyperCommand, TyperGroup


def reflow(text: Optional[str]) -> Optional[str]:
    """``text`` with each prose paragraph on one line; indented blocks kept as written."""
    if not text:
        return text
    import inspect

    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        p if p.startswith((" ", "\b")) else " ".join(line.strip() for line in p.splitlines())
        for p in paragraphs
    )


def _unlabelled(kind: Any) -> Any:
    """A copy of the parameter type ``kind`` that prints no type label in help."""

    class Unlabelled(type(kind)):  # type: ignore[misc]
        def get_metavar(self, *args: Any, **kwargs: Any) -> str:
            return ""

    Unlabelled.__name__ = Unlabelled.__qualname__ = type(kind).__name__
    plain = Unlabelled.__new__(Unlabelled)
    plain.__dict__.update(kind.__dict__)
    return plain


def _unbraced(piece: str) -> str:
    # Typer marks required arguments with braces; CODE... already reads as required.
    return piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece


class Command(TyperCommand):
    # The changes are made when help is printed, not on every run.
    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.help = reflow(self.help)
        for param in self.params:
            if param.param_type_name == "argument":
                param.type = _unlabelled(param.type)
        super().format_help(ctx, formatter)

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [_unbraced(piece) for piece in super().collect_usage_pieces(ctx)]

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # --no-pager is a global option; it is taken after the command too, as people
        # type it there (`cpt show 93590 --no-pager`), but not after `--`.
        end = args.index("--") if "--" in args else len(args)
        if "--no-pager" in args[:end]:
            from cptcli.cli.base import ENV

            ENV.no_pager = True
            args = [a for i, a in enumerate(args) if i >= end or a != "--no-pager"]
        result: list[str] = super().parse_args(ctx, args)
        return result


class Group(TyperGroup):
    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.help = reflow(self.help)
        super().format_help(ctx, formatter)
