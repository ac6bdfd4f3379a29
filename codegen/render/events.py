"""`gmodstore_sdk/model/webhook_events.py`: one class per webhook event type of the spec."""

from __future__ import annotations

from codegen.ir import Project
from codegen.render import HEADER, doc
from codegen.render.types import Imports

__all__ = ["render_events"]


def render_events(project: Project) -> str:
    modules = {m.name: m.module for m in project.models}
    imports = Imports()
    imports.add("typing", "Literal")
    imports.add("gmodstore_sdk.model._webhook_event", "WebhookEvent")
    body: list[str] = []
    table = []
    for event in project.events:
        name = event.name + "Event"
        data = event.data_model or "Any"
        if event.data_model:
            imports.add(f"gmodstore_sdk.model.{modules[event.data_model]}", event.data_model)
        else:
            imports.add("typing", "Any")
        body += [
            f"class {name}(WebhookEvent):",
            *doc("    ", f"A `{event.event_type}` webhook; `data` is a `{data}`."),
            "",
            f"    event_type: Literal[{event.event_type!r}]",
            f"    data: {data}",
            "",
            "",
        ]
        table.append(f"    {event.event_type!r}: {name},")
    names = sorted([e.name + "Event" for e in project.events] + ["EVENT_CLASSES"])
    return "\n".join(
        [
            HEADER.rstrip("\n"),
            *doc(
                "",
                "The typed webhook events, one class per event type of the spec.",
                "`gmodstore_sdk.webhooks.verify` returns an instance of one of these (or of "
                "`WebhookEvent` for an event type this SDK does not know yet).",
            ),
            "",
            "from __future__ import annotations",
            "",
            *imports.lines(),
            "__all__ = [" + ", ".join(repr(n) for n in names) + "]",
            "",
            "",
            *body,
            "EVENT_CLASSES: dict[str, type[WebhookEvent]] = {",
            *table,
            "}",
            '"""`eventType` -> class."""',
            "",
        ]
    )
