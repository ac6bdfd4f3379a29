"""One module per model under `gmodstore_sdk/model/`, plus the lazy `model/__init__.py`."""

from __future__ import annotations

from codegen import config
from codegen.ir import Model, Project
from codegen.render import HEADER, doc
from codegen.render.types import Imports, field_line

__all__ = ["render_models"]

_ROLE_TEXT = {
    "response": "Part of an answer: unknown fields are kept, unknown enum values kept as `str`.",
    "page": "One page of a list: the matching `iter_*` method walks every page.",
    "request": "A request payload: strict types, unknown fields refused, checked before sending.",
    "filter": "A `filter` query parameter: each field takes one value or a list of values.",
}


def model_modules(project: Project) -> dict[str, str]:
    return {m.name: m.module for m in project.models}


def _class(model: Model, imports: Imports, modules: dict[str, str]) -> list[str]:
    if model.role == "enum":
        imports.add("typing", "Literal")
        values = ", ".join(repr(v) for v in model.enum)
        return [
            f"{model.name} = Literal[{values}]",
            f'"""The `{model.name}` values the spec lists (answers may hold newer ones)."""',
            "",
        ]
    base = {"request": "RequestModel", "filter": "FilterModel", "page": "Page"}.get(
        model.role, "BaseModel"
    )
    base_module = {
        "RequestModel": "gmodstore_sdk._models",
        "BaseModel": "gmodstore_sdk._models",
        "FilterModel": "gmodstore_sdk.model._filter",
        "Page": "gmodstore_sdk.model._page",
    }[base]
    imports.add(base_module, base)
    lines = [
        f"class {model.name}({base}):",
        *doc("    ", f"`{model.name}`, from the spec's {model.source}.", _ROLE_TEXT[model.role]),
        "",
    ]
    for f in model.fields:
        lines.append(
            "    "
            + field_line(f, imports, role=model.role, module=model.module, model_modules=modules)
        )
    if not model.fields:
        lines.pop()
    lines.append("")
    lines.append("")
    return lines


def render_models(project: Project) -> dict[str, str]:
    modules = model_modules(project)
    by_module: dict[str, list[Model]] = {}
    for model in project.models:
        if model.name in config.HAND_WRITTEN_MODELS:
            continue
        by_module.setdefault(model.module, []).append(model)
    files = {}
    for module, models in by_module.items():
        imports = Imports()
        body: list[str] = []
        for model in models:
            body += _class(model, imports, modules)
        names = sorted(m.name for m in models)
        main = models[-1].name
        text = [
            HEADER.rstrip("\n"),
            f'"""`{main}`, from the API v3 spec."""',
            "",
            "from __future__ import annotations",
            "",
            *imports.lines(),
            "__all__ = [" + ", ".join(repr(n) for n in names) + "]",
            "",
            "",
            *body,
        ]
        files[f"src/gmodstore_sdk/model/{module}.py"] = "\n".join(text).rstrip() + "\n"
    files["src/gmodstore_sdk/model/__init__.py"] = _init(project)
    return files


def _init(project: Project) -> str:
    names = {m.name: m.module for m in project.models}
    names.update({"Cursors": "_page", "PageMeta": "_page", "Page": "_page"})
    names["FilterModel"] = "_filter"
    lazy = ",\n".join(f"    {n!r}: {m!r}" for n, m in sorted(names.items()))
    # For type checkers only: at run time every name, the seed's too, loads on first access.
    eager = [
        "if TYPE_CHECKING:",
        "    from gmodstore_sdk.model.create_product_purchase_response import CreateProductPurchaseResponse",
        "    from gmodstore_sdk.model.error import Error",
        "    from gmodstore_sdk.model.get_product_purchase_response import GetProductPurchaseResponse",
        "    from gmodstore_sdk.model.list_product_purchases_response import (",
        "        Cursors,",
        "        ListProductPurchasesResponse,",
        "        PageMeta,",
        "    )",
        "    from gmodstore_sdk.model.new_product_purchase_payload import NewProductPurchasePayload",
        "    from gmodstore_sdk.model.product_purchase import ProductPurchase",
        "    from gmodstore_sdk.model.product_purchase_filter import ProductPurchaseFilter",
        "    from gmodstore_sdk.model.update_product_purchase_payload import UpdateProductPurchasePayload",
        "    from gmodstore_sdk.model.update_product_purchase_response import UpdateProductPurchaseResponse",
    ]
    eager_names = [
        "CreateProductPurchaseResponse",
        "Cursors",
        "Error",
        "GetProductPurchaseResponse",
        "ListProductPurchasesResponse",
        "NewProductPurchasePayload",
        "PageMeta",
        "ProductPurchase",
        "ProductPurchaseFilter",
        "UpdateProductPurchasePayload",
        "UpdateProductPurchaseResponse",
    ]
    all_names = sorted(set(names) | set(eager_names))
    return "\n".join(
        [
            HEADER.rstrip("\n"),
            '"""Every model, at `gmodstore_sdk.model.<snake_name>`, also importable from here.',
            "",
            ">>> from gmodstore_sdk.model import NewProductPurchasePayload, ProductPurchaseFilter",
            ">>> from gmodstore_sdk.model import User  # loaded on first access",
            "",
            "Every model is loaded on first access (PEP 562), so importing the package (or one",
            "model module) loads no other model.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "import importlib",
            "from typing import TYPE_CHECKING, Any",
            "",
            *eager,
            "",
            "_LAZY = {",
            lazy + ",",
            "}",
            '"""Model name -> module under `gmodstore_sdk.model`."""',
            "",
            "__all__ = [",
            *[f"    {n!r}," for n in all_names],
            "]",
            "",
            "",
            "def __getattr__(name: str) -> Any:",
            "    module = _LAZY.get(name)",
            "    if module is None:",
            '        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")',
            '    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)',
            "    globals()[name] = value",
            "    return value",
            "",
            "",
            "def __dir__() -> list[str]:",
            "    return __all__",
            "",
        ]
    )
