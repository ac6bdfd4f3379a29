"""No two areas of the sandbox serve overlapping paths, so the order `create_app` includes their
routers in (most-read first, for speed) changes no answer."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute


def test_no_path_of_one_area_is_matched_by_another_area() -> None:
    from gmodstore_sandbox.api import purchases
    from gmodstore_sandbox.content import wiring as content
    from gmodstore_sandbox.identity import routes as identity
    from gmodstore_sandbox.tickets import wiring as tickets
    from gmodstore_sandbox.webhooks import routes as webhooks

    areas = {
        "purchases": purchases.router,
        "content": content.router,
        "identity": identity.router,
        "tickets": tickets.router,
        "webhooks": webhooks.router,
    }
    routes = [
        (area, route)
        for area, router in areas.items()
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    assert len(routes) > 90
    clashes = []
    for area, route in routes:
        for other_area, other in routes:
            if area == other_area or not (route.methods & other.methods):
                continue
            for fill in ("x", "batch", "test", "me"):  # literal segments some paths have
                sample = re.sub(r"\{[^}]+\}", fill, route.path)
                if other.path_regex.match(sample):
                    clashes.append(f"{area} {route.path} / {other_area} {other.path}")
    assert clashes == []
