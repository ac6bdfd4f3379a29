"""The two-factor nonce (`two_factor_nonce=`, sent as `X-Two-Factor-Nonce`): codegen patch D2.

Requests are captured by a mock transport (only to see what is sent); the end-to-end use against
the sandbox is in `tests/proof/test_sdk_every_operation.py` and below.
"""

from __future__ import annotations

import inspect
import uuid

import httpx
import pytest

import gmodstore_sdk
from gmodstore_sandbox.testing import Sandbox
from gmodstore_sdk.api.personal_access_tokens_api import PersonalAccessTokensApi
from gmodstore_sdk.api.teams_api import AsyncTeamsApi, TeamsApi
from gmodstore_sdk.exceptions import ApiTypeError, ApiValueError

TEAM = str(uuid.UUID(int=7))
WHEN = "2026-01-01T00:00:00Z"
ANSWER = {
    "data": {
        "id": TEAM, "name": "T", "slug": "t", "description": "", "createdAt": WHEN,
        "updatedAt": WHEN, "productsCount": 0, "usersCount": 1,
    }
}  # fmt: skip


def _client(seen: list[httpx.Request]) -> gmodstore_sdk.ApiClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ANSWER)

    config = gmodstore_sdk.Configuration(host="http://127.0.0.1:9", access_token="t0k3n")
    return gmodstore_sdk.ApiClient(
        config, http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )


def test_the_nonce_is_a_keyword_of_the_two_operations_that_need_it() -> None:
    for method in (TeamsApi.delete_team, PersonalAccessTokensApi.create_personal_access_token):
        param = inspect.signature(method).parameters["two_factor_nonce"]
        assert param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is None
        assert "X-Two-Factor-Nonce" in (method.__doc__ or "")
    assert "two_factor_nonce" not in inspect.signature(TeamsApi.update_team).parameters


def test_the_nonce_is_sent_as_its_header_and_only_when_given() -> None:
    seen: list[httpx.Request] = []
    with _client(seen) as client:
        TeamsApi(client).delete_team(TEAM, two_factor_nonce="n0nce")
        TeamsApi(client).delete_team(TEAM)
    assert seen[0].headers["x-two-factor-nonce"] == "n0nce"
    assert seen[0].headers["authorization"] == "Bearer t0k3n"
    assert "x-two-factor-nonce" not in seen[1].headers


@pytest.mark.parametrize(
    ("value", "error"), [(123, ApiTypeError), ("", ApiValueError), ("a\r\nb", ApiValueError)]
)
def test_a_bad_nonce_is_refused_before_sending(value: object, error: type[Exception]) -> None:
    seen: list[httpx.Request] = []
    with _client(seen) as client, pytest.raises(error, match="X-Two-Factor-Nonce"):
        TeamsApi(client).delete_team(TEAM, two_factor_nonce=value)  # type: ignore[arg-type]
    assert seen == []


def test_sync_and_async_take_the_same_nonce_argument() -> None:
    sync = inspect.signature(TeamsApi.delete_team).parameters["two_factor_nonce"]
    asyn = inspect.signature(AsyncTeamsApi.delete_team).parameters["two_factor_nonce"]
    assert (sync.kind, sync.default, sync.annotation) == (asyn.kind, asyn.default, asyn.annotation)


def test_against_the_sandbox_a_token_is_made_with_a_nonce_and_refused_without(
    sandbox: Sandbox,
) -> None:
    config = gmodstore_sdk.Configuration(host=sandbox.url, access_token=sandbox.token)
    with gmodstore_sdk.GmodStore(config) as gs:
        body = {"name": "ci bot", "abilities": ["users:read"]}
        with pytest.raises(gmodstore_sdk.ApiException) as refused:
            gs.personal_access_tokens.create_personal_access_token(body)
        assert refused.value.status == 403
        code = sandbox.totp_code()
        nonce = gs.two_factor.exchange_totp_for_nonce({"code": code}).data.token
        made = gs.personal_access_tokens.create_personal_access_token(body, two_factor_nonce=nonce)
    assert made.data.personal_access_token.name == "ci bot"
