"""What every ``gmodstore`` command group shares: one-line usage errors and quiet flag help.

Imports only typer and click, so the sandbox's own command line (``python -m gmodstore_sandbox``)
can use it too.

- :class:`Group` makes click's usage errors (bad option values, missing arguments, unknown
  options) one line on stderr, ``error: ...``, exit 2, like every other error of the command; the
  rich box typer draws by default is hard to read in a log and to grep.
- :func:`choice` is an option callback that checks a value against a list and says
  ``unknown format 'jsno' (choose table, json, jsonl, csv)``.
- Flags lose the ``<bool>`` typer puts in the type column: a flag takes no value.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import typer
from typer.core import TyperGroup, TyperOption

__all__ = ["Group", "choice", "current_context", "from_command_line", "print_usage_error"]

E = TypeVar("E", bound=str)


def _click(module: str) -> Any:
    """A module of the click that typer runs on: its own copy (typer >= 0.20), or click itself."""
    try:
        return importlib.import_module(f"typer._click.{module}")
    except ModuleNotFoundError:
        return importlib.import_module(f"click.{module}")


_exceptions = _click("exceptions")
ClickException: type[Exception] = _exceptions.ClickException
UsageError: type[Exception] = _exceptions.UsageError
BadParameter: type[Exception] = _exceptions.BadParameter
NoArgsIsHelpError: type[Exception] = _exceptions.NoArgsIsHelpError


def current_context() -> typer.Context:
    """The click context of the command being run."""
    context: typer.Context = _click("globals").get_current_context()
    return context


def from_command_line(name: str) -> bool:
    """Whether the current command's parameter ``name`` was given on its command line."""
    source = current_context().get_parameter_source(name)
    return getattr(source, "name", None) == "COMMANDLINE"


def print_usage_error(exc: Any) -> None:
    """``error: <message>`` on stderr; a usage error also names the command's ``--help``."""
    message = exc.format_message().strip().rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if getattr(exc, "plain", False):
        pass  # says it all (see `choice`)
    elif isinstance(exc, UsageError) and not _invalid_value(exc) and ctx:
        message += f" (see: {ctx.command_path} --help)"
    elif _invalid_value(exc) and message.startswith("Invalid value for "):
        # "Invalid value for '--from': cannot read x.csv: No such file" -> "--from: cannot ..."
        where, _, reason = message.removeprefix("Invalid value for ").partition(": ")
        message = f"{where.replace(chr(39), '')}: {reason}" if reason else message
    sys.stderr.write(f"error: {' '.join(message.split())}\n")


def _invalid_value(exc: Any) -> bool:
    # A value that was given but is wrong; `MissingParameter` (a subclass) is no such value.
    return isinstance(exc, BadParameter) and type(exc).__name__ != "MissingParameter"


class Group(TyperGroup):
    """A typer group whose usage errors are one ``error:`` line (see the module docstring)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            result = super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        except NoArgsIsHelpError as exc:
            sys.exit(getattr(exc, "exit_code", 2))  # typer has printed the help already
        except ClickException as exc:
            print_usage_error(exc)
            sys.exit(getattr(exc, "exit_code", 2))
        except typer.Abort:
            sys.stderr.write("error: aborted\n")
            sys.exit(1)
        # Outside standalone mode click returns a `typer.Exit`'s code instead of exiting.
        sys.exit(result if isinstance(result, int) else 0)


def choice(values: Sequence[E], what: str = "format") -> Callable[[str], E]:
    """An option ``parser`` accepting one of ``values`` (case-insensitive), else a usage error.

    A usage error, not the ``ValueError`` typer would wrap in "Invalid value for ...".

    >>> check = choice(["csv", "json"])
    >>> check("CSV")
    'csv'
    """
    by_name = {str(value.value if hasattr(value, "value") else value): value for value in values}

    def check(value: str) -> E:
        lowered = str(getattr(value, "value", value)).strip().lower()
        if lowered not in by_name:
            names = ", ".join(by_name)
            error = UsageError(f"unknown {what} {str(value)!r} (choose {names})")
            error.plain = True  # type: ignore[attr-defined]
            raise error
        return by_name[lowered]

    return check


def _quiet_flags() -> None:
    """Typer >= 0.20 shows ``<bool>`` in the type column of flags; a flag takes no value."""
    original = getattr(TyperOption, "display_type_rich", None)
    if original is None or getattr(original, "_gmodstore", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        if self.is_flag or self.count:
            return None
        result: str | None = original(self, ctx)
        return result

    display_type_rich._gmodstore = True  # type: ignore[attr-defined]
    setattr(TyperOption, "display_type_rich", display_type_rich)  # noqa: B010 (typed either way)


_quiet_flags()
