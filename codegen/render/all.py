"""Every renderer, in one call."""

from __future__ import annotations

from pathlib import Path

from codegen.ir import Project
from codegen.render.api import render_api
from codegen.render.docs import render_docs
from codegen.render.events import render_events
from codegen.render.misc import (
    render_api_init,
    render_facade,
    render_registry,
    render_spec_info,
)
from codegen.render.models import render_models

__all__ = ["render"]


def render(project: Project, repo: Path) -> dict[str, str]:
    """`{path relative to the repository: text}` for every generated file.

    `repo` is read for one thing: which hand-written mixins (`api/_extras/*.py`) exist yet.
    """
    files: dict[str, str] = {}
    files.update(render_models(project))
    sdk = "src/gmodstore_sdk"
    for api in project.apis:
        mixin = api.mixin is not None and (repo / f"{sdk}/api/_extras/{api.mixin}.py").exists()
        files[f"{sdk}/api/{api.module}.py"] = render_api(api, project, mixin)
    files[f"{sdk}/api/__init__.py"] = render_api_init(project)
    files[f"{sdk}/api/_registry.py"] = render_registry(project)
    files[f"{sdk}/_facade.py"] = render_facade(project)
    files[f"{sdk}/_spec_info.py"] = render_spec_info(project)
    files[f"{sdk}/model/webhook_events.py"] = render_events(project)
    files.update(render_docs(project))
    return files
