"""Rendering details that need no server: the progress bar's rate."""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress

from gmodstore_cli.render import _RateColumn


def test_rate_is_the_average_since_the_start_not_a_burst() -> None:
    now = [0.0]
    progress = Progress(console=Console(file=None, force_terminal=False), get_time=lambda: now[0])
    task_id = progress.add_task("Exporting", total=None)
    # A page of 100 purchases read in a millisecond, then nothing for a second.
    now[0] = 1.0
    for _ in range(100):
        now[0] += 0.00001
        progress.advance(task_id)
    now[0] = 2.0

    task = progress.tasks[0]

    assert _RateColumn().render(task).plain == "50.0/s"
