"""Files the command reads and writes: id lists for ``--from``, and ``export`` targets."""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import typer

from gmodstore_cli.render import OutputFormat
from gmodstore_cli.session import CommandFailed

_HEADER_WORD = re.compile(r"^[A-Za-z_ -]+$")


def normalise(name: str) -> str:
    """A header name compared loosely: ``User_ID`` == ``userId`` == ``user id``."""
    return re.sub(r"[\s_-]", "", name).lower()


def read_ids(source: str, columns: Sequence[str]) -> tuple[list[str], str | None]:
    """Ids from a text/CSV file (``-`` is stdin): one per line, or a column of a CSV with a header.

    ``columns`` are header names to look for, in order of preference (compared case- and
    ``_``-insensitively). Returns the ids (de-duplicated, in file order) and the header name used,
    or ``None`` when the file has no header and the first column was read.
    """
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    try:
        rows = [row for row in reader if row and not row[0].startswith("#")]
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise ValueError(f"line {reader.line_num}: {exc}") from None
    index, header = 0, None
    if rows:
        names = [normalise(cell) for cell in rows[0]]
        wanted = [normalise(name) for name in columns]
        match = next((name for name in wanted if name in names), None)
        if match is not None:
            index, header = names.index(match), rows[0][names.index(match)]
            rows = rows[1:]
        elif len(rows[0]) > 1 and all(_HEADER_WORD.match(cell.strip()) for cell in rows[0]):
            raise ValueError(
                f"no column named {', '.join(columns[:-1])} or {columns[-1]} in its header"
                f" ({', '.join(cell.strip() for cell in rows[0])})"
            )
        elif _HEADER_WORD.match(rows[0][0].strip()):
            header = rows[0][0]
            rows = rows[1:]
    return dedupe(row[index].strip() for row in rows if len(row) > index), header


def dedupe(values: Iterable[str]) -> list[str]:
    """Non-empty values, first occurrence kept, in order."""
    return list(dict.fromkeys(value for value in values if value))


def targets(
    ids: Sequence[str] | None, source: str | None, columns: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Split targets into ``(ids, user_ids)``: command-line ids plus ``--from`` ids, except that
    ids read from a ``userId``/``user`` column of ``--from`` come back as user ids.

    File problems are usage errors (exit 2), reported against ``--from``.
    """
    if source is None:
        return dedupe(ids or []), []
    try:
        from_file, header = read_ids(source, columns)
    except OSError as exc:
        raise typer.BadParameter(
            f"cannot read {source}: {exc.strerror}", param_hint="--from"
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise typer.BadParameter(f"cannot read {source}: {exc}", param_hint="--from") from None
    if header is not None and normalise(header) in {"userid", "user"}:
        return dedupe(ids or []), from_file
    return dedupe([*(ids or []), *from_file]), []


_EXPORT_FORMATS = {
    ".csv": OutputFormat.csv,
    ".jsonl": OutputFormat.jsonl,
    ".ndjson": OutputFormat.jsonl,
    ".json": OutputFormat.json,
}


def check_output(output: str) -> None:
    """Refuse, before anything is fetched, an ``export`` target that cannot be a new file."""
    if output == "-":
        return
    path = Path(output)
    if path.is_dir() or output.endswith(("/", os.sep)):
        raise CommandFailed(
            f"cannot write {output}: it is a directory; name a file such as "
            f"{path / 'purchases.csv'}"
        )
    parent = path.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise CommandFailed(f"cannot write {output}: {parent} {what}")


def export_format(output: str, fmt: OutputFormat | None) -> OutputFormat:
    """The format ``export`` writes: ``--format``, else from the file name (jsonl for stdout).

    A ``--format`` that contradicts a known file suffix (``--format json -o out.csv``) is refused:
    a file whose name lies about its content breaks whatever reads it next.
    """
    if output == "-":
        return fmt or OutputFormat.jsonl
    suffix = Path(output).suffix.lower()
    found = _EXPORT_FORMATS.get(suffix)
    if fmt is not None:
        if found is not None and found is not fmt:
            raise typer.BadParameter(
                f"{fmt.value} does not match the file name {output} ({suffix} is "
                f"{found.value}): leave out --format, or name the file .{fmt.value}",
                param_hint="--format",
            )
        return fmt
    if found is None:
        raise typer.BadParameter(
            f"cannot tell the format of {output} from its name: use .csv, .jsonl or .json, "
            "or --format",
            param_hint="--output",
        )
    return found


@contextmanager
def export_target(output: str) -> Iterator[IO[str]]:
    """The export's output stream: stdout, or a temporary file renamed over ``output`` on success.

    A failed or interrupted export therefore never leaves a truncated file behind.
    """
    if output == "-":
        yield sys.stdout
        return
    final = Path(output)
    partial = final.with_name(f".{final.name}.partial")
    try:
        handle = partial.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise CommandFailed(f"cannot write {output}: {exc.strerror}") from None
    try:
        with handle:
            yield handle
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
