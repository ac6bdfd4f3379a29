"""How `BaseApiClient` reads answers and words its errors: parsing, status and transport errors.

A mixin of `_base.BaseApiClient`, kept apart so that `_base.py` holds the request flow (pacing,
retries, deadlines, write safety, recovery) and this module what an answer or a failure becomes.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import ValidationError

from gmodstore_sdk._limits import timeout_hint
from gmodstore_sdk._operation import M, Operation
from gmodstore_sdk._sniff import not_the_api
from gmodstore_sdk.configuration import Configuration
from gmodstore_sdk.exceptions import (
    ApiConnectionError,
    ApiException,
    ApiResponseValidationError,
    ApiTimeoutError,
    make_status_error,
    uncertain_write,
)

__all__ = ["IDEMPOTENT", "ResponseHandling"]

# Methods a server applies at most once however often they are sent: resent after any failure.
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class ResponseHandling:
    """`_parse` (a 2xx answer into its model) and the errors of failed attempts."""

    configuration: Configuration

    def _parse(self, op: Operation[M], response: httpx.Response) -> M:
        # A 204 to an operation documented to answer nothing (`NoContent`) has no JSON to sniff.
        empty = response.status_code == 204 and getattr(op.model, "accepts_no_content", False)
        wrong_host = None if empty else not_the_api(response, operation=f"{op.method} {op.path}")
        if wrong_host is not None:
            raise wrong_host
        try:
            return op.model.model_validate_json(response.content)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(body)'}: {err['msg']}"
                for err in exc.errors(include_url=False, include_input=False)
            )
            raise ApiResponseValidationError(
                f"{op.method} {op.path} returned {response.status_code} but the body does not "
                f"match {op.model.__name__}: {problems}"
            ) from exc

    def _status_error(
        self,
        op: Operation[Any],
        response: httpx.Response,
        retry_after: float | None,
        uncertain: bool = False,
    ) -> ApiException:
        wrong_host = not_the_api(response, operation=f"{op.method} {op.path}")
        if wrong_host is not None:
            return wrong_host
        return make_status_error(
            response.status_code,
            response.reason_phrase,
            response.text,
            response.headers,
            scope=op.scope,
            operation=f"{op.method} {op.path}",
            retry_after=retry_after,
            uncertain=uncertain,
            resources=op.resources,
        )

    def _transport_error(
        self, op: Operation[Any], exc: Exception, safety: str
    ) -> ApiConnectionError:
        name = type(exc).__name__
        where = f"{op.method} {op.path}"
        uncertain = safety == "ambiguous" and op.method not in IDEMPOTENT
        maybe = "; the server may have acted on it: the write may have been applied" * uncertain
        if isinstance(exc, httpx.TimeoutException):
            hint = timeout_hint(exc)
            message = f"{where}: no answer in time ({name}){maybe}. {hint}"
            return uncertain_write(message, timeout=True) if uncertain else ApiTimeoutError(message)
        detail = f": {self._redact(str(exc))}" if str(exc) else ""
        message = f"{where}: request failed ({name}{detail}){maybe}"
        return uncertain_write(message, timeout=False) if uncertain else ApiConnectionError(message)

    def _redact(self, text: str) -> str:
        # httpx / h11 errors may quote a header value (e.g. "Illegal header value b'Bearer ...'").
        token = self.configuration.access_token
        return text.replace(token, "***") if token else text
