from __future__ import annotations

import pytest

import gmodstore_sdk
from gmodstore_sdk import ApiTypeError, ApiValueError, Configuration

from .conftest import TOKEN


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GMODSTORE_HOST", raising=False)
    monkeypatch.delenv("GMODSTORE_TOKEN", raising=False)


def test_defaults() -> None:
    config = Configuration()
    assert config.host == "https://www.gmodstore.com"
    assert config.base_url == "https://www.gmodstore.com/api/v3"
    assert config.access_token is None
    assert (config.connect_timeout, config.read_timeout, config.retries) == (5.0, 30.0, 2)
    assert config.respect_rate_limit is True
    assert config.user_agent_header == f"gmodstore-sdk-python/{gmodstore_sdk.__version__}"


def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMODSTORE_HOST", "http://127.0.0.1:8000/")
    monkeypatch.setenv("GMODSTORE_TOKEN", TOKEN)
    config = Configuration()
    assert config.base_url == "http://127.0.0.1:8000/api/v3"
    assert config.access_token == TOKEN
    # Explicit arguments win over the environment.
    assert Configuration(host="https://x.test", access_token="other").access_token == "other"
    assert Configuration(host="https://x.test").host == "https://x.test"


@pytest.mark.parametrize(
    ("host", "api_path", "base_url"),
    [
        pytest.param(
            "https://www.gmodstore.com", None, "https://www.gmodstore.com/api/v3", id="www"
        ),
        pytest.param("https://api.pivity.com", None, "https://api.pivity.com/v3", id="pivity"),
        pytest.param("https://api.pivity.com/", None, "https://api.pivity.com/v3", id="slash"),
        pytest.param(
            "https://api.gmodstore.com", None, "https://api.gmodstore.com/v3", id="legacy"
        ),
        pytest.param(
            "https://www.gmodstore.com/api", None, "https://www.gmodstore.com/api/v3", id="api"
        ),
        pytest.param("http://127.0.0.1:9", None, "http://127.0.0.1:9/api/v3", id="sandbox"),
        pytest.param("https://api.pivity.com/v3", None, "https://api.pivity.com/v3", id="full-v3"),
        pytest.param(
            "https://www.gmodstore.com/api/v3/",
            None,
            "https://www.gmodstore.com/api/v3",
            id="full-api-v3",
        ),
        pytest.param("http://127.0.0.1:9", "/v3", "http://127.0.0.1:9/v3", id="explicit"),
        pytest.param(
            "https://api.pivity.com", "/api/v3/", "https://api.pivity.com/api/v3", id="wins"
        ),
        pytest.param("http://127.0.0.1:9", "", "http://127.0.0.1:9", id="root"),
    ],
)
def test_api_path(host: str, api_path: str | None, base_url: str) -> None:
    assert Configuration(host=host, api_path=api_path).base_url == base_url


def test_repr_hides_the_token() -> None:
    config = Configuration(host="https://x.test", access_token=TOKEN, tenant="gmodstore.com")
    assert TOKEN not in repr(config)
    assert repr(config) == (
        "Configuration(host='https://x.test', access_token='***', "
        "base_url='https://x.test/api/v3', tenant='gmodstore.com', retries=2)"
    )
    assert "access_token=None" in repr(Configuration())


def test_user_agent_prefix() -> None:
    config = Configuration(user_agent="my-bot/1.0")
    assert (
        config.user_agent_header == f"my-bot/1.0 gmodstore-sdk-python/{gmodstore_sdk.__version__}"
    )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"host": "www.gmodstore.com"}, ApiValueError, id="no-scheme"),
        pytest.param({"host": "ftp://x"}, ApiValueError, id="scheme"),
        pytest.param({"host": 3}, ApiTypeError, id="host-type"),
        pytest.param({"api_path": 3}, ApiTypeError, id="path-type"),
        pytest.param({"retries": -1}, ApiValueError, id="retries"),
        pytest.param({"retries": 1.5}, ApiTypeError, id="retries-type"),
        pytest.param({"retries": True}, ApiTypeError, id="retries-bool"),
        pytest.param({"read_timeout": "5"}, ApiTypeError, id="timeout-type"),
        pytest.param({"connect_timeout": -1}, ApiValueError, id="timeout"),
        pytest.param({"access_token": 3}, ApiTypeError, id="token-type"),
        pytest.param({"tenant": 3}, ApiTypeError, id="tenant-type"),
        pytest.param({"tenant": "gmodstore.com\r\nX-Evil: 1"}, ApiValueError, id="tenant-crlf"),
        pytest.param({"user_agent": "bot/1.0 é"}, ApiValueError, id="user-agent-ascii"),
    ],
)
def test_bad_configuration(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        Configuration(**kwargs)  # type: ignore[arg-type]


def test_token_is_stripped_of_surrounding_whitespace(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Configuration(access_token=f"  {TOKEN}\n").access_token == TOKEN
    monkeypatch.setenv("GMODSTORE_TOKEN", f"{TOKEN}\r\n")
    assert Configuration().access_token == TOKEN
    assert Configuration(access_token=" \n").access_token is None


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(f"{TOKEN}\r\nX-Evil: 1", id="crlf-inside"),
        pytest.param(f"Bearer {TOKEN}", id="space-inside"),
        pytest.param(f"{TOKEN}é", id="non-ascii"),
    ],
)
def test_unsendable_token_is_refused_without_echoing_it(token: str) -> None:
    with pytest.raises(ApiValueError, match="cannot be sent in an HTTP header") as caught:
        Configuration(access_token=token)
    assert TOKEN not in str(caught.value)


def test_tenant_and_user_agent_may_contain_spaces() -> None:
    config = Configuration(tenant="gmodstore.com", user_agent="my-bot/1.0 (+https://x.test)")
    assert config.user_agent_header.startswith("my-bot/1.0 (+https://x.test) gmodstore-sdk")
