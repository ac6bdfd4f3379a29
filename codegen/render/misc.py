"""The registry, the facade, the spec record and the `api` package's `__init__`."""

from __future__ import annotations

from codegen import SPEC_URL
from codegen.ir import Project
from codegen.render import HEADER, doc, str_literal

__all__ = ["render_api_init", "render_facade", "render_registry", "render_spec_info"]


def render_spec_info(project: Project) -> str:
    return "\n".join(
        [
            HEADER.rstrip("\n"),
            '"""The API description the SDK was generated from: regenerate from the live document',
            "with `scripts/generate --spec FILE` after downloading it from `SPEC_URL`.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            '__all__ = ["SPEC_SHA256", "SPEC_URL", "SPEC_VERSION"]',
            "",
            f"SPEC_VERSION = {project.version!r}",
            '"""`info.version` of the document."""',
            f"SPEC_SHA256 = {project.sha256!r}",
            '"""SHA-256 of the document\'s bytes, before the generator\'s patches."""',
            f"SPEC_URL = {SPEC_URL!r}",
            '"""Where the live document is published."""',
            "",
        ]
    )


def render_registry(project: Project) -> str:
    api_of = {op.operation_id: api for api in project.apis for op in api.operations}
    rows = []
    for op in project.operations:
        api = api_of[op.operation_id]
        params = "".join(
            f"            ParamInfo({p.wire!r}, {p.name!r}, {p.location!r}, {p.required!r}, "
            f"{p.kind!r}),\n"
            for p in op.params
        )
        rows.append(
            "    OperationInfo(\n"
            f"        operation_id={op.operation_id!r},\n"
            f"        name={op.name!r},\n"
            f"        tag={op.tag!r},\n"
            f"        module='gmodstore_sdk.api.{api.module}',\n"
            f"        api_class={api.class_name!r},\n"
            f"        facade_attr={api.facade_attr!r},\n"
            f"        http_method={op.method!r},\n"
            f"        path={op.path!r},\n"
            f"        scope={op.scope!r},\n"
            + str_literal(op.summary, "        ", "summary=")
            + ",\n"
            f"        params=(\n{params}        ),\n"
            f"        body={op.body!r},\n"
            f"        body_param={op.body_param!r},\n"
            f"        iter_name={op.iter_name!r},\n"
            "    ),"
        )
    return "\n".join(
        [
            HEADER.rstrip("\n"),
            '"""Every operation of the API v3, in spec order (see `_registry_types`).',
            "",
            ">>> from gmodstore_sdk.api._registry import find_operation",
            '>>> find_operation("listUserPurchases").name',
            "'list_user_purchases'",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "from gmodstore_sdk.api._registry_types import OperationInfo, ParamInfo, find_in",
            "",
            '__all__ = ["OPERATIONS", "OperationInfo", "ParamInfo", "find_operation"]',
            "",
            "OPERATIONS: tuple[OperationInfo, ...] = (",
            *rows,
            ")",
            "",
            "",
            "def find_operation(name: str) -> OperationInfo:",
            '    """The operation named `name` (operationId or method name); KeyError otherwise."""',
            "    return find_in(OPERATIONS, name)",
            "",
        ]
    )


def render_api_init(project: Project) -> str:
    classes = {}
    for api in project.apis:
        classes[api.class_name] = api.module
        classes["Async" + api.class_name] = api.module
    lazy = "\n".join(f"    {n!r}: {m!r}," for n, m in sorted(classes.items()))
    modules = sorted(api.module for api in project.apis)
    names = sorted(set(classes) | set(modules))
    return "\n".join(
        [
            HEADER.rstrip("\n"),
            '"""The API classes, one module per tag (`gmodstore_sdk.api.<tag>_api`).',
            "",
            ">>> from gmodstore_sdk.api import product_purchases_api",
            ">>> from gmodstore_sdk.api import ProductPurchasesApi, AsyncProductPurchasesApi",
            ">>> from gmodstore_sdk.api import UsersApi  # loaded on first access",
            "",
            "The seed's purchase API is imported eagerly (as it always was); every other module",
            "is loaded on first access (PEP 562), so importing the package stays cheap.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "import importlib",
            "from typing import Any",
            "",
            "from gmodstore_sdk.api import product_purchases_api",
            "from gmodstore_sdk.api.product_purchases_api import (",
            "    AsyncProductPurchasesApi,",
            "    ProductPurchasesApi,",
            ")",
            "",
            "_CLASSES = {",
            lazy,
            "}",
            '"""Class name -> module under `gmodstore_sdk.api`."""',
            "_MODULES = frozenset(" + repr(tuple(modules)) + ")",
            "",
            "__all__ = [",
            *[f"    {n!r}," for n in names],
            "]",
            "",
            "",
            "def __getattr__(name: str) -> Any:",
            "    if name in _MODULES:",
            '        value = importlib.import_module(f"{__name__}.{name}")',
            "    elif name in _CLASSES:",
            '        value = getattr(importlib.import_module(f"{__name__}.{_CLASSES[name]}"), name)',
            "    else:",
            '        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")',
            "    globals()[name] = value",
            "    return value",
            "",
            "",
            "def __dir__() -> list[str]:",
            "    return __all__",
            "",
        ]
    )


def render_facade(project: Project) -> str:
    checks = []
    sync_props = []
    async_props = []
    for api in sorted(project.apis, key=lambda a: a.facade_attr):
        mod = f"gmodstore_sdk.api.{api.module}"
        checks.append(f"    from {mod} import Async{api.class_name}, {api.class_name}")
        for props, cls in (
            (sync_props, api.class_name),
            (async_props, "Async" + api.class_name),
        ):
            props += [
                "    @cached_property",
                f"    def {api.facade_attr}(self) -> {cls}:",
                *doc("        ", f'The "{api.tag}" operations (`{cls}`), on the shared client.'),
                f"        from {mod} import {cls}",
                "",
                f"        return {cls}(self.api_client)",
                "",
            ]
    return (
        "\n".join(
            [
                HEADER.rstrip("\n"),
                '"""`GmodStore` / `AsyncGmodStore`: every API class on one shared client.',
                "",
                ">>> import gmodstore_sdk",
                ">>> with gmodstore_sdk.GmodStore() as gs:  # doctest: +SKIP",
                "...     gs.users.get_user(user_id).data.name",
                "...     for purchase in gs.product_purchases.iter_product_purchases(product_id):",
                "...         print(purchase.user_id)",
                "",
                "Each attribute is created on first use (importing only that API's module); all share",
                "`gs.api_client`, configured like `ApiClient` (same `Configuration`, environment",
                "variables and errors).",
                '"""',
                "",
                "from __future__ import annotations",
                "",
                "from functools import cached_property",
                "from types import TracebackType",
                "from typing import TYPE_CHECKING",
                "",
                "from gmodstore_sdk.api_client import ApiClient, AsyncApiClient",
                "from gmodstore_sdk.configuration import Configuration",
                "",
                "if TYPE_CHECKING:",
                *checks,
                "",
                '__all__ = ["AsyncGmodStore", "GmodStore"]',
                "",
                "",
                "class GmodStore:",
                '    """Every API of the SDK as an attribute (`gs.users`, `gs.product_versions`, ...).',
                "",
                "    Args:",
                "        configuration: used to create the client (default: from the environment).",
                "        api_client: an existing client to share instead (not closed by `close()`).",
                '    """',
                "",
                "    def __init__(",
                "        self,",
                "        configuration: Configuration | None = None,",
                "        *,",
                "        api_client: ApiClient | None = None,",
                "    ) -> None:",
                "        self._owns_client = api_client is None",
                "        self.api_client = api_client if api_client is not None else ApiClient(configuration)",
                "",
                "    def close(self) -> None:",
                '        """Close the client (unless it was passed in)."""',
                "        if self._owns_client:",
                "            self.api_client.close()",
                "",
                "    def __enter__(self) -> GmodStore:",
                "        return self",
                "",
                "    def __exit__(",
                "        self,",
                "        exc_type: type[BaseException] | None,",
                "        exc: BaseException | None,",
                "        tb: TracebackType | None,",
                "    ) -> None:",
                "        self.close()",
                "",
                "    def __repr__(self) -> str:",
                '        return f"GmodStore({self.api_client!r})"',
                "",
                *sync_props,
                "",
                "class AsyncGmodStore:",
                '    """`GmodStore` on an `AsyncApiClient`: `async with AsyncGmodStore() as gs: ...`."""',
                "",
                "    def __init__(",
                "        self,",
                "        configuration: Configuration | None = None,",
                "        *,",
                "        api_client: AsyncApiClient | None = None,",
                "    ) -> None:",
                "        self._owns_client = api_client is None",
                "        self.api_client = (",
                "            api_client if api_client is not None else AsyncApiClient(configuration)",
                "        )",
                "",
                "    async def aclose(self) -> None:",
                '        """Close the client (unless it was passed in)."""',
                "        if self._owns_client:",
                "            await self.api_client.aclose()",
                "",
                "    async def __aenter__(self) -> AsyncGmodStore:",
                "        return self",
                "",
                "    async def __aexit__(",
                "        self,",
                "        exc_type: type[BaseException] | None,",
                "        exc: BaseException | None,",
                "        tb: TracebackType | None,",
                "    ) -> None:",
                "        await self.aclose()",
                "",
                "    def __repr__(self) -> str:",
                '        return f"AsyncGmodStore({self.api_client!r})"',
                "",
                *async_props,
            ]
        ).rstrip()
        + "\n"
    )
