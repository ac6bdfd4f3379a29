"""``gmodstore api``: call any API operation by name and print its JSON answer (like ``gh api``).

The operation is looked up in the generated registry (``gmodstore_sdk.api._registry``), its
parameters are read from ``--name value`` options (the wire name, the Python name or its kebab
form), the body from ``--data`` / ``-f`` / ``-F``, and the call goes through the API class's own
method, so it is validated and retried exactly as in Python.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gmodstore_cli import render
from gmodstore_cli.core import from_command_line
from gmodstore_cli.errors import Context, MissingTokenError, describe
from gmodstore_cli.options import DebugOpt, HostOpt, TimeoutOpt, TokenOpt, examples
from gmodstore_cli.session import Connection, _debug_logging
from gmodstore_sdk import ApiClient, Configuration, OpenApiException, UnauthorizedException

if TYPE_CHECKING:
    from gmodstore_sdk.api._registry_types import OperationInfo, ParamInfo

__all__ = ["mount"]

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


class UsageError(Exception):
    """Bad arguments: printed as one ``error:`` line, exit code 2."""


def snake(name: str) -> str:
    """``releaseType`` -> ``release_type``; ``ids[]`` -> ``ids``; ``per-page`` -> ``per_page``."""
    return _CAMEL.sub(r"_\1", name.removesuffix("[]")).replace("-", "_").lower()


# -- parsing ---------------------------------------------------------------------------------------


def _split(tokens: Sequence[str]) -> list[tuple[str, str]]:
    """``--name value`` / ``--name=value`` pairs from the arguments typer did not know."""
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.startswith("--") or token == "--":
            raise UsageError(f"unexpected argument {token!r}: parameters are given as --name value")
        name, eq, value = token[2:].partition("=")
        if not eq:
            if i + 1 >= len(tokens):
                raise UsageError(f"--{name} needs a value")
            i += 1
            value = tokens[i]
        pairs.append((name, value))
        i += 1
    return pairs


def _match(op: OperationInfo, name: str) -> tuple[ParamInfo, str | None]:
    """The parameter `name` means, and for `filter[key]` the key."""
    key = None
    if name.startswith("filter[") and name.endswith("]"):
        name, key = "filter", name[len("filter[") : -1]
    wanted = snake(name)
    for param in op.params:
        if name == param.name or wanted == param.python_name:
            return param, key
    known = ", ".join(f"--{p.name}" for p in op.params) or "none"
    raise UsageError(f"{op.operation_id} has no parameter --{name} (parameters: {known})")


def _convert(param: ParamInfo, value: str) -> Any:
    if param.kind == "integer":
        try:
            return int(value)
        except ValueError:
            raise UsageError(f"--{param.name} must be an integer, got {value!r}") from None
    if param.kind == "boolean":
        lowered = value.lower()
        if lowered not in _TRUE | _FALSE:
            raise UsageError(f"--{param.name} must be true or false, got {value!r}")
        return lowered in _TRUE
    return value


def _filter_value(value: str) -> Any:
    """A filter value: a list when it has commas; `true` / `false` as booleans."""
    items: list[Any] = [
        {"true": True, "false": False}.get(item.lower(), item) for item in value.split(",")
    ]
    return items if len(items) > 1 else items[0]


def parse_params(op: OperationInfo, tokens: Sequence[str]) -> dict[str, Any]:
    """Keyword arguments for the API method, from ``--name value`` tokens."""
    kwargs: dict[str, Any] = {}
    for name, value in _split(tokens):
        param, key = _match(op, name)
        slot = param.python_name
        if param.kind == "filter":
            if key is None:
                key, eq, value = value.partition("=")
                if not eq or not key:
                    raise UsageError(f"--{param.name} takes key=value, e.g. --filter revoked=false")
            kwargs.setdefault(slot, {})[key] = _filter_value(value)
        elif param.kind == "array":
            kwargs.setdefault(slot, []).extend(value.split(","))
        elif slot in kwargs:
            raise UsageError(f"--{param.name} was given twice")
        else:
            kwargs[slot] = _convert(param, value)
    missing = [p.name for p in op.params if p.required and p.python_name not in kwargs]
    if missing:
        raise UsageError(
            f"{op.operation_id} needs " + ", ".join(f"--{name} VALUE" for name in missing)
        )
    return kwargs


def _read_at(value: str, what: str) -> str:
    """``@file`` -> the file's text (``@-``: stdin); anything else as is."""
    if not value.startswith("@"):
        return value
    name = value[1:]
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text()
    except OSError as exc:
        raise UsageError(f"{what}: cannot read {name} ({exc.strerror or exc})") from None


def parse_body(
    data: str | None, raw_fields: Iterable[str], typed_fields: Iterable[str], *, multipart: bool
) -> dict[str, Any] | None:
    """The body from ``--data JSON|@file``, ``-f key=value`` (text) and ``-F key=value`` (JSON).

    For a multipart operation, ``-f file=@path`` names the file to upload (sent streamed).
    """
    body: dict[str, Any] = {}
    if data is not None:
        try:
            parsed = json.loads(_read_at(data, "--data"))
        except ValueError as exc:
            raise UsageError(f"--data is not valid JSON ({exc})") from None
        if not isinstance(parsed, dict):
            raise UsageError("--data must be a JSON object")
        body.update(parsed)
    for item in raw_fields:
        key, value = _pair(item, "-f")
        if multipart and value.startswith("@"):
            body[key] = Path(value[1:])
        else:
            body[key] = _read_at(value, f"-f {key}") if value.startswith("@") else value
    for item in typed_fields:
        key, value = _pair(item, "-F")
        try:
            body[key] = json.loads(_read_at(value, f"-F {key}"))
        except ValueError:
            body[key] = value  # not JSON: a plain string, as gh does
    return body if (body or data is not None) else None


def _pair(item: str, flag: str) -> tuple[str, str]:
    key, eq, value = item.partition("=")
    if not eq or not key:
        raise UsageError(f"{flag} takes key=value, got {item!r}")
    return key, value


def _place_body(
    op: OperationInfo,
    method: Callable[..., Any],
    body: dict[str, Any] | None,
    kwargs: dict[str, Any],
) -> None:
    """Put the body where the method takes it: its payload argument, or its own arguments."""
    if body is None:
        return
    if op.body is None:
        raise UsageError(f"{op.operation_id} takes no body (--data, -f, -F)")
    accepted = set(inspect.signature(method).parameters) - {p.python_name for p in op.params}
    payload: dict[str, Any] = {}
    for key, value in body.items():
        name = snake(key)
        if op.body == "multipart" and name in accepted and name != op.body_param:
            kwargs[name] = value  # upload methods take their fields as arguments
        elif op.body_param is not None:
            payload[key] = value
        else:
            fields = ", ".join(sorted(a for a in accepted if not a.startswith("_")))
            raise UsageError(f"{op.operation_id} has no field {key!r} (fields: {fields})")
    if payload and op.body_param is not None:
        kwargs[op.body_param] = payload


# -- running ---------------------------------------------------------------------------------------


def _find(name: str) -> OperationInfo:
    from gmodstore_sdk.api._registry import OPERATIONS, find_operation

    try:
        return find_operation(name)
    except KeyError:
        close = [o.operation_id for o in OPERATIONS if name.lower() in o.operation_id.lower()]
        hint = f"; did you mean {', '.join(close[:5])}?" if close else "; see gmodstore api --list"
        raise UsageError(f"unknown operation {name!r}{hint}") from None


def _api_object(op: OperationInfo, client: ApiClient) -> Any:
    module = importlib.import_module(op.module)
    return getattr(module, op.api_class)(client)


def _jsonable(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json", by_alias=True)
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def run_operation(
    conn: Connection,
    op: OperationInfo,
    kwargs: dict[str, Any],
    body: dict[str, Any] | None,
    paginate: bool,
) -> None:
    if paginate:
        if op.iter_name is None:
            raise UsageError(f"{op.operation_id} is not a paginated list: drop --paginate")
        kwargs.pop("cursor", None)
    if not conn.token:
        raise MissingTokenError(conn.host)
    configuration = Configuration(
        host=conn.host or None,
        access_token=conn.token,
        connect_timeout=min(5.0, conn.timeout),
        read_timeout=conn.timeout,
    )
    with _debug_logging(conn.debug), ApiClient(configuration) as client:
        api = _api_object(op, client)
        method = getattr(api, op.iter_name if paginate and op.iter_name else op.name)
        _place_body(op, getattr(api, op.name), body, kwargs)
        if paginate:
            for item in method(**kwargs):
                _write(json.dumps(_jsonable(item), separators=(",", ":")))
            return
        answer = method(**kwargs)
    if answer is not None:
        _write(json.dumps(_jsonable(answer), indent=2))


def list_operations() -> None:
    from gmodstore_sdk.api._registry import OPERATIONS

    width = max(len(op.operation_id) for op in OPERATIONS)
    routes = [f"{op.http_method} {op.path}" for op in OPERATIONS]
    route_width = max(len(route) for route in routes)
    for op, route in zip(OPERATIONS, routes, strict=True):
        _write(f"{op.operation_id:<{width}}  {route:<{route_width}}  {op.scope or '-'}")


def _fail(message: str, code: int, debug: bool) -> typer.Exit:
    if debug:
        render.print_traceback()
    render.error(message)
    return typer.Exit(code)


_EPILOG = examples(
    "gmodstore api --list",
    "gmodstore api listProductPurchases --product PRODUCT --perPage 5",
    "gmodstore api list_product_purchases --product PRODUCT --filter revoked=false --paginate",
    "gmodstore api createProductPurchase --product PRODUCT -f userId=USER_ID",
    "gmodstore api updateProductPurchase --product P --purchase ID --data '{\"revoked\": true}'",
)


def api(
    ctx: typer.Context,
    operation: Annotated[
        str | None,
        typer.Argument(
            help="operationId (listUsers) or snake name (list_users).", show_default=False
        ),
    ] = None,
    data: Annotated[
        str | None,
        typer.Option("--data", help="The JSON body, or @file (@- for stdin).", show_default=False),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option("-f", "--field", help="A body field key=value, as text (file=@path uploads)."),
    ] = None,
    typed_field: Annotated[
        list[str] | None,
        typer.Option("-F", "--typed-field", help="A body field key=value, the value read as JSON."),
    ] = None,
    paginate: Annotated[
        bool, typer.Option("--paginate", help="Follow cursors; print each item as a JSON line.")
    ] = False,
    list_all: Annotated[
        bool, typer.Option("--list", help="List the operations, their routes and scopes.")
    ] = False,
    token: TokenOpt = None,
    host: HostOpt = None,
    timeout: TimeoutOpt = 30.0,
    debug: DebugOpt = False,
) -> None:
    """Call any API operation and print its JSON answer; parameters as --name value."""
    if list_all:
        list_operations()
        return
    # `gmodstore --token T api ...` works like `gmodstore api ... --token T` (the root options).
    root: dict[str, str | None] = ctx.find_root().obj or {}
    token = token if from_command_line("token") else (root.get("token") or token)
    host = host if from_command_line("host") else (root.get("host") or host)
    conn = Connection(token=token, host=host, timeout=timeout, debug=debug)
    try:
        if operation is None:
            raise UsageError("name an operation (gmodstore api --list shows them)")
        op = _find(operation)
        kwargs = parse_params(op, ctx.args)
        body = parse_body(data, field or (), typed_field or (), multipart=op.body == "multipart")
        run_operation(conn, op, kwargs, body, paginate)
    except UsageError as exc:
        raise _fail(str(exc), 2, debug) from None
    except UnauthorizedException as exc:
        # Expired or invalid, and where a token comes from: the sandbox's command on loopback.
        raise _fail(describe(exc, Context(host=conn.host)), 1, debug) from None
    except (OpenApiException, MissingTokenError) as exc:
        raise _fail(str(exc), 1, debug) from None


def mount(app: typer.Typer) -> None:
    """Register ``gmodstore api`` on the ``gmodstore`` application."""
    app.command(
        "api",
        epilog=_EPILOG,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(api)
