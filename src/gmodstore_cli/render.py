"""Everything the ``gmodstore`` command prints.

Machine formats (``json``, ``jsonl``, ``csv``) go to stdout untouched by rich, so they stay stable
for scripts; tables, progress bars, summaries and errors are rich renderables. Diagnostics always go
to stderr. Consoles are created per call, not at import, so that they bind to the streams of the
current invocation (typer's ``CliRunner`` swaps ``sys.stdout``/``sys.stderr``). rich itself honours
``NO_COLOR``.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import IO, Any

from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

Row = Mapping[str, Any]


class OutputFormat(str, Enum):
    """What a command prints on stdout."""

    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


EXPORT_FORMATS = (OutputFormat.csv, OutputFormat.jsonl, OutputFormat.json)
"""What ``export`` writes: the formats a file can hold."""


@dataclass(frozen=True)
class Column:
    """One column of a table and of the CSV output."""

    key: str
    header: str
    width: int | None = None
    cell: Callable[[Row], Text] | None = None
    optional: bool = False
    """May be left out of a table that would not fit the terminal."""
    narrow: Column | None = None
    """A narrower stand-in, used when the table would not fit the terminal otherwise."""

    def render(self, row: Row) -> Text:
        if self.cell is not None:
            return self.cell(row)
        value = row.get(self.key)
        return Text("" if value is None else str(value))


def _status_cell(row: Row) -> Text:
    return Text("revoked", style="red") if row.get("revoked") else Text("active", style="green")


def _active_cell(row: Row) -> Text:
    return Text("no", style="red") if row.get("revoked") else Text("yes", style="green")


def _time_cell(key: str) -> Callable[[Row], Text]:
    def cell(row: Row) -> Text:
        value = str(row.get(key) or "")
        # ISO 8601 from the API, shortened to seconds for people: "2026-11-25 13:34:36".
        return Text(value[:19].replace("T", " "))

    return cell


PURCHASE_FIELDS = ("id", "userId", "productId", "revoked", "createdAt", "updatedAt")
PURCHASE_COLUMNS = (
    Column("id", "Purchase", 36),
    Column("userId", "User", 36),
    # Two ids and "revoked" need 81 columns; "Active yes/no" lets them fit a classic 80.
    Column(
        "revoked", "Status", 7, _status_cell, narrow=Column("revoked", "Active", 6, _active_cell)
    ),
    Column("createdAt", "Created (UTC)", 19, _time_cell("createdAt"), optional=True),
    Column("updatedAt", "Updated (UTC)", 19, _time_cell("updatedAt"), optional=True),
)

_STATUS_STYLES = {"done": "green", "already": "cyan", "would": "yellow", "failed": "red"}


def _outcome_cell(row: Row) -> Text:
    status = str(row.get("status", ""))
    return Text(str(row.get("message", "")), style=_STATUS_STYLES.get(status, ""))


RESULT_FIELDS = ("target", "status", "message", "purchaseId", "userId", "revoked")
RESULT_COLUMNS = (
    Column("target", "Target", 36),
    Column("message", "Result", None, _outcome_cell),
    # Optional: at 80 columns two ids leave the result too narrow to read.
    Column("purchaseId", "Purchase", 36, optional=True),
)


def _width(columns: Sequence[Column]) -> int:
    """Width of a :func:`_plain_table` of fixed-width columns (one space between columns).

    A column without a width is counted as 20: the least a wrapped message needs to be readable.
    """
    return sum(column.width or 20 for column in columns) + len(columns) - 1


def _plain_table(*, show_header: bool = True) -> Table:
    # No borders, one space between columns: compact, and easy to cut/awk when piped.
    return Table(
        box=None,
        show_header=show_header,
        header_style="bold underline",
        pad_edge=False,
        collapse_padding=True,
    )


def stdout_console() -> Console:
    """A console on the current stdout; wide when piped so ids are never wrapped."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=200)
    return console


def stderr_console() -> Console:
    """A console on the current stderr, for diagnostics and progress."""
    return Console(stderr=True, highlight=False)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _csv_value(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


class _LiveStdout:
    """Writes to whatever ``sys.stdout`` is at write time (see the module docstring)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)


class RowWriter:
    """Streams rows in one output format; constant memory whatever the number of rows.

    >>> writer = RowWriter(OutputFormat.csv, PURCHASE_COLUMNS, PURCHASE_FIELDS)
    >>> writer.write(purchase.model_dump(mode="json", by_alias=True))
    >>> writer.close()

    Tables are printed in chunks of ``chunk`` rows with fixed column widths, so a listing of every
    page lines up without holding all of it in memory.
    """

    def __init__(
        self,
        fmt: OutputFormat,
        columns: Sequence[Column],
        fields: Sequence[str],
        *,
        out: IO[str] | None = None,
        chunk: int = 100,
    ) -> None:
        self.fmt = fmt
        self.count = 0
        self._columns = columns
        self._fields = list(fields)
        self._out: IO[str] | _LiveStdout = out if out is not None else _LiveStdout()
        self._chunk = chunk
        self._pending: list[Row] = []
        self._visible: list[Column] | None = None
        self._csv: Any = None
        if fmt is OutputFormat.csv:
            self._csv = csv.DictWriter(
                self._out, fieldnames=self._fields, extrasaction="ignore", lineterminator="\n"
            )
            self._csv.writeheader()

    def write(self, row: Row) -> None:
        if self.fmt is OutputFormat.jsonl:
            self._out.write(_json(row) + "\n")
        elif self.fmt is OutputFormat.json:
            self._out.write(("[\n" if self.count == 0 else ",\n") + "  " + _json(row))
        elif self.fmt is OutputFormat.csv:
            self._csv.writerow({key: _csv_value(row.get(key)) for key in self._fields})
        else:
            self._pending.append(row)
            if len(self._pending) >= self._chunk:
                self._flush_table()
        self.count += 1

    def close(self) -> None:
        if self.fmt is OutputFormat.json:
            self._out.write("[]\n" if self.count == 0 else "\n]\n")
        elif self.fmt is OutputFormat.table and (self._pending or self.count == 0):
            self._flush_table()

    def _visible_columns(self, console: Console) -> list[Column]:
        """Drop optional trailing columns, then narrow columns, until the rest fits, so that ids
        are never truncated.

        Decided once, so that every chunk of a streamed table has the same columns.
        """
        if self._visible is None:
            columns = list(self._columns)
            while len(columns) > 1 and columns[-1].optional and _width(columns) > console.width:
                columns.pop()
            if _width(columns) > console.width:
                columns = [column.narrow or column for column in columns]
            self._visible = columns
        return self._visible

    def _flush_table(self) -> None:
        console = stdout_console()
        first = self.count <= len(self._pending)
        if not console.is_terminal:
            self._flush_plain(first)
            return
        columns = self._visible_columns(console)
        table = _plain_table(show_header=first)
        for column in columns:
            table.add_column(
                column.header, min_width=column.width, no_wrap=column.width is not None
            )
        for row in self._pending:
            table.add_row(*(column.render(row) for column in columns))
        self._pending.clear()
        console.print(table)

    def _flush_plain(self, first: bool) -> None:
        """Rows for a pipe or a file: one line each, never wrapped, never cut, no tabs.

        Every column is kept (there is no terminal width to fit), padded with spaces.
        """
        columns = self._columns
        cells = [
            [_one_line(column.render(row).plain) for column in columns] for row in self._pending
        ]
        widths = [
            max([column.width or 0, len(column.header), *(len(line[i]) for line in cells)])
            for i, column in enumerate(columns)
        ]
        lines = cells
        if first:
            lines = [[column.header for column in columns], *cells]
        for line in lines:
            padded = [cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=False)]
            self._out.write("  ".join([*padded, line[-1]]).rstrip() + "\n")
        self._pending.clear()


def _one_line(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]], out: IO[str]) -> None:
    """A table for a pipe or a file: one line per row, columns padded with spaces, no tabs."""
    cells = [[_one_line(str(cell)) for cell in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    for line in [list(headers), *cells]:
        padded = [cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=False)]
        out.write("  ".join([*padded, line[-1]]).rstrip() + "\n")


def print_one(fmt: OutputFormat, row: Row, fields: Sequence[str], title: str) -> None:
    """Print a single object: a key/value table for people, the object itself for scripts."""
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(row, ensure_ascii=False, indent=2) + "\n")
    elif fmt is not OutputFormat.table:
        writer = RowWriter(fmt, (), fields)
        writer.write(row)
        writer.close()
    else:
        table = Table(box=box.SIMPLE, show_header=False, title=title, title_justify="left")
        table.add_column(style="bold")
        table.add_column(no_wrap=True)
        for key in fields:
            value = row.get(key)
            if key == "revoked":
                table.add_row("status", _status_cell(row))
            else:
                table.add_row(key, Text("" if value is None else str(value)))
        stdout_console().print(table)


def short_purchase_table(rows: Sequence[Row]) -> Table:
    """Purchases with their ids cut to 8 characters, so that every column fits 80 (the demo)."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in PURCHASE_COLUMNS:
        table.add_column(column.header, no_wrap=True)
    for row in rows:
        cells = [column.render(row) for column in PURCHASE_COLUMNS]
        table.add_row(f"{row['id'][:8]}…", f"{row['userId'][:8]}…", *cells[2:])
    return table


def error(message: str) -> None:
    """One line on stderr: ``error: <message>``; never wrapped, never markup-interpreted."""
    stderr_console().print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)


def note(message: str, style: str = "dim") -> None:
    """A diagnostic line on stderr."""
    stderr_console().print(Text(message, style=style), soft_wrap=True)


def say(message: Text | str) -> None:
    """A line on stdout for people (``check``)."""
    stdout_console().print(message, soft_wrap=True)


def print_traceback() -> None:
    """The current exception's traceback on stderr (``--debug``)."""
    stderr_console().print_exception()


class _RateColumn(ProgressColumn):
    """Items per second since the start.

    Not rich's moving estimate (``task.speed``): items arrive a page at a time, and a page read in a
    millisecond made that show 100,000/s, and kept showing it through a rate limit pause.
    """

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        if not elapsed or not task.completed:
            return Text("")
        return Text(f"{task.completed / elapsed:,.1f}/s", style="magenta")


class ProgressHandle:
    """What a long-running command updates; a no-op when there is no terminal to draw on."""

    def __init__(self, progress: Progress | None, task: TaskID | None) -> None:
        self._progress = progress
        self._task = task

    def advance(self, amount: int = 1) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, amount)

    def status(self, text: str) -> None:
        """Show why the bar is paused (e.g. waiting for the rate limit to reset).

        Without a bar (stderr is not a terminal) a plain line says it for a rate-limit wait, once
        per wait; short retry pauses are not worth a line of their own.
        """
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, status=text)
        elif text.startswith("rate limit"):
            note(f"{text} ...")


def progress_enabled(*, stdout_too: bool = False) -> bool:
    """A bar is drawn only on a terminal (stderr; and stdout, when rows stream there)."""
    if not stderr_console().is_terminal:
        return False
    return not (stdout_too and stdout_console().is_terminal)


@contextmanager
def progress(description: str, total: int | None, *, enabled: bool) -> Iterator[ProgressHandle]:
    """A rich progress bar on stderr with count, rate and ETA (elapsed time if total unknown)."""
    if not enabled:
        yield ProgressHandle(None, None)
        return
    count: ProgressColumn = (
        MofNCompleteColumn() if total is not None else TextColumn("{task.completed:,}")
    )
    eta: ProgressColumn = TimeRemainingColumn() if total is not None else TimeElapsedColumn()
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),  # leaves room for the status in 80 columns
        count,
        _RateColumn(),
        eta,
        TextColumn("{task.fields[status]}", style="yellow"),
        console=stderr_console(),
        redirect_stdout=False,
        redirect_stderr=False,
        # The results or the closing note that follow are the record; the bar is only live news.
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total, status="")
        yield ProgressHandle(bar, task)


def summary(counts: Mapping[str, int], labels: Mapping[str, str], failures: Sequence[Row]) -> None:
    """The end-of-run summary on stderr: done / already / failed counts, then each failure."""
    parts = [
        Text(f"{label}: {counts.get(key, 0)}", style=_STATUS_STYLES[key])
        for key, label in labels.items()
    ]
    parts.append(Text(f"failed: {counts.get('failed', 0)}", style="red" if failures else "dim"))
    console = stderr_console()
    console.print(Text(" · ").join(parts), soft_wrap=True)
    for row in failures:
        console.print(
            Text.assemble(("  ✗ ", "red"), f"{row['target']}: {row['message']}"), soft_wrap=True
        )


def elapsed_since(start: float) -> str:
    """Seconds since ``start`` (a ``time.monotonic()`` value), formatted for people."""
    return f"{time.monotonic() - start:.1f}s"
