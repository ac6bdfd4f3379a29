"""Pure helpers of the recovery lookup (`Recovery` in `_operation.py`): which row, and whose.

>>> from datetime import datetime, timezone
>>> class Row:
...     created_at = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
>>> sent = datetime(2024, 5, 1, 12, 0, 30, tzinfo=timezone.utc).timestamp()
>>> created_too_early(Row(), sent, {"date": "Wed, 01 May 2024 12:00:40 GMT"}, now=sent + 10)
True
>>> created_too_early(Row(), sent + 3600, {}, now=sent + 3600)   # no Date: a wider allowance
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from gmodstore_sdk.exceptions import ApiResponseValidationError

if TYPE_CHECKING:
    from gmodstore_sdk._operation import Recovery

__all__ = ["SKEW_ALLOWANCE", "created_too_early", "pick_row"]

SKEW_ALLOWANCE = 120.0
"""Seconds the server's clock may be behind ours when its answer has no `Date` header."""

# A `Date` header is truncated to the second and may be cached (uvicorn refreshes it once a
# second): it reads early, never late, so the skew it gives already errs towards "ours". The slack
# only absorbs float rounding and sub-second stamps.
_DATE_SLACK = 0.5


def pick_row(page: Any, recovery: Recovery) -> Any | None:
    """The row of the lookup's answer that the lost POST would have created, or None.

    Raises:
        ApiResponseValidationError: a row contradicts the lookup's own filter: the server ignored
            it, so neither "found" nor "not found" can be trusted.
    """
    rows = getattr(page, "data", None)
    if not isinstance(rows, list):
        raise ApiResponseValidationError("the lookup's answer has no list of rows (`data`)")
    found = None
    for row in rows:
        if not recovery.sane(row):
            raise ApiResponseValidationError(
                f"the lookup returned {type(row).__name__} {getattr(row, 'id', '?')}, which its "
                "filter excludes: the server ignored the filter"
            )
        if found is None and recovery.match(row):
            found = row
    return found


def created_too_early(row: Any, sent_at: float, headers: Mapping[str, str], now: float) -> bool:
    """Was `row` created before `sent_at` (our wall clock), so that our request did not create it?

    The server stamps `created_at` with its own clock. Its offset from ours is read from the
    lookup answer's `Date` header when there is one (received at about `now`); without it, a
    creation up to `SKEW_ALLOWANCE` seconds before `sent_at` still counts as ours. A row without
    `created_at` is never "too early".
    """
    created = getattr(row, "created_at", None)
    if not isinstance(created, datetime) or created.tzinfo is None:
        return False
    allowance = SKEW_ALLOWANCE
    date = headers.get("date")
    if date:
        try:
            server_now = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, OverflowError):
            pass
        else:
            # Positive when our clock is ahead of the server's; negative when it is behind.
            allowance = now - server_now + _DATE_SLACK
    return created.timestamp() < sent_at - allowance
