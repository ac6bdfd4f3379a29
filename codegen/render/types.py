"""Python type expressions for `TypeRef`s, and the imports they need."""

from __future__ import annotations

from pydantic.alias_generators import to_camel

from codegen.ir import Field, TypeRef

__all__ = ["Imports", "annotation", "field_line"]


class Imports:
    """Collects `from x import y` lines for one module."""

    def __init__(self) -> None:
        self.names: dict[str, set[str]] = {}
        self.typing_only: dict[str, set[str]] = {}

    def add(self, module: str, name: str) -> None:
        self.names.setdefault(module, set()).add(name)

    def add_typing(self, module: str, name: str) -> None:
        """An import for annotations only, under `if TYPE_CHECKING:` (nothing loaded at run time)."""
        self.typing_only.setdefault(module, set()).add(name)

    def lines(self) -> list[str]:
        if self.typing_only:
            self.add("typing", "TYPE_CHECKING")
        std = sorted(m for m in self.names if not m.startswith(("gmodstore_sdk", "pydantic")))
        third = sorted(m for m in self.names if m.startswith("pydantic"))
        ours = sorted(m for m in self.names if m.startswith("gmodstore_sdk"))
        out: list[str] = []
        for group in (std, third, ours):
            for module in group:
                out.append(f"from {module} import {', '.join(sorted(self.names[module]))}")
            if group:
                out.append("")
        if self.typing_only:
            out.append("if TYPE_CHECKING:")
            for module in sorted(self.typing_only):
                names = ", ".join(sorted(self.typing_only[module]))
                out.append(f"    from {module} import {names}")
            out.append("")
        return out


def _literal(values: tuple[str, ...], imports: Imports) -> str:
    imports.add("typing", "Literal")
    return "Literal[" + ", ".join(repr(v) for v in values) + "]"


def _constraints(t: TypeRef, request: bool) -> list[str]:
    if not request:
        return []
    out = []
    for key, value in (
        ("ge", t.minimum),
        ("le", t.maximum),
        ("min_length", t.min_length if t.kind != "array" else t.min_items),
        ("max_length", t.max_length if t.kind != "array" else t.max_items),
        ("pattern", t.pattern),
    ):
        if value is not None:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            out.append(f"{key}={value!r}")
    return out


def annotation(
    t: TypeRef, imports: Imports, *, request: bool, module: str, model_modules: dict[str, str]
) -> str:
    """The annotation of a field of type `t` (without `| None` for nullability)."""
    base = _base(t, imports, request=request, module=module, model_modules=model_modules)
    constraints = _constraints(t, request)
    if constraints:
        imports.add("typing", "Annotated")
        imports.add("pydantic", "Field")
        base = f"Annotated[{base}, Field({', '.join(constraints)})]"
    return base


def _model_ref(name: str, imports: Imports, module: str, model_modules: dict[str, str]) -> str:
    target = model_modules[name]
    if target != module:
        imports.add(f"gmodstore_sdk.model.{target}", name)
    return name


def _base(
    t: TypeRef, imports: Imports, *, request: bool, module: str, model_modules: dict[str, str]
) -> str:
    kind = t.kind
    if kind == "model":
        assert t.model is not None
        return _model_ref(t.model, imports, module, model_modules)
    if kind == "enum":
        named = (
            _model_ref(t.model, imports, module, model_modules)
            if t.model
            else _literal(t.enum, imports)
        )
        # Responses keep values this SDK does not know yet (as plain strings).
        return named if request else f"{named} | str"
    if kind == "datetime":
        name = "DateTimeInput" if request else "UtcDatetime"
        imports.add("gmodstore_sdk.model._fields", name)
        return name
    if kind == "uuid":
        if request:
            imports.add("gmodstore_sdk.model._fields", "Uuid")
            return "Uuid"
        return "str"
    if kind == "array":
        assert t.items is not None
        inner = annotation(
            t.items, imports, request=request, module=module, model_modules=model_modules
        )
        if t.items.nullable:
            inner += " | None"
        return f"list[{inner}]"
    if kind == "object":
        imports.add("typing", "Any")
        return "dict[str, Any]"
    return {"string": "str", "binary": "str", "integer": "int", "number": "float"}.get(kind, "bool")


def field_line(
    f: Field, imports: Imports, *, role: str, module: str, model_modules: dict[str, str]
) -> str:
    """`name: type = default` for one model field."""
    request = role in ("request", "filter")
    ann = annotation(f.type, imports, request=request, module=module, model_modules=model_modules)
    if role == "filter":
        # One value or a list of them; scalar-only filters (TicketFilter) take one value.
        if f.type.kind == "array":
            assert f.type.items is not None
            item = annotation(
                f.type.items, imports, request=True, module=module, model_modules=model_modules
            )
            ann = f"{item} | {ann}"
    if f.type.nullable or not f.required or role == "filter":
        ann += " | None"
    alias = to_camel(f.name) != f.wire
    default = None
    if not f.required or role == "filter":
        default = "None"
    if alias:
        imports.add("pydantic", "Field")
        args = [f"alias={f.wire!r}"]
        if default is not None:
            args.insert(0, "default=None")
        return f"{f.name}: {ann} = Field({', '.join(args)})"
    return f"{f.name}: {ann}" + (f" = {default}" if default is not None else "")
