"""MkDocs hook: the parts of the site generated at build time, so they cannot drift.

- `<!-- cli-reference -->`: the `gmodstore` command tree, walked from the typer app itself.
- `<!-- readme-rules -->`: every `<!-- BEGIN x-rules -->` table of README.md (the sandbox's rules).
- The nav gains "API and model reference": the pages scripts/generate writes under docs/api/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CLI_MARKER = "<!-- cli-reference -->"
RULES_MARKER = "<!-- readme-rules -->"
_RULES = re.compile(r"<!-- BEGIN ([\w-]+-rules) -->\n(.*?)<!-- END \1 -->", re.S)
_MARKUP = re.compile(r"\[/?(?:bold|italic|dim|red|green|yellow|blue|cyan|magenta|b|i)\]")


def on_config(config: Any) -> Any:
    api = Path(config["docs_dir"]) / "api"
    pages = sorted(p.name for p in api.glob("*.md") if p.name != "README.md")
    if pages:
        index = ["api/README.md"] if (api / "README.md").exists() else []
        apis = [f"api/{name}" for name in pages if name.endswith("Api.md")]
        models = [f"api/{name}" for name in pages if not name.endswith("Api.md")]
        config["nav"].append(
            {"API and model reference": [*index, {"APIs": apis}, {"Models": models}]}
        )
        naming = Path(config["docs_dir"]) / "NAMING.md"
        if naming.exists():
            config["nav"].append({"Naming rules": "NAMING.md"})
    return config


def on_page_markdown(markdown: str, **_: Any) -> str:
    if CLI_MARKER in markdown:
        markdown = markdown.replace(CLI_MARKER, cli_reference())
    if RULES_MARKER in markdown:
        markdown = markdown.replace(RULES_MARKER, readme_rules())
    return markdown


def readme_rules() -> str:
    """Each rules table of README.md under a heading named after its section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    parts = []
    for name, body in _RULES.findall(text):
        title = name.removesuffix("-rules").replace("-", " ").capitalize()
        parts.append(f"## {title}\n\n{body.strip()}\n")
    if not parts:
        raise RuntimeError("README.md has no <!-- BEGIN ...-rules --> section")
    return "\n".join(parts)


def cli_reference() -> str:
    import typer

    from gmodstore_cli.commands import app

    root = typer.main.get_command(app)
    lines: list[str] = []
    _command(root, ["gmodstore"], lines, depth=2)
    return "\n".join(lines)


def _clean(text: str | None) -> str:
    text = _MARKUP.sub("", text or "").replace("\b", "")
    return text.strip()


# typer (>= 0.2x) carries its own copy of click: the tree is read by duck typing, not isinstance.
def _command(cmd: Any, path: list[str], lines: list[str], depth: int) -> None:
    import typer

    ctx = typer.Context(cmd, info_name=" ".join(path))
    usage = " ".join(cmd.collect_usage_pieces(ctx))
    title = " ".join(path)
    lines += [f"{'#' * min(depth, 6)} `{title}`", ""]
    if cmd.help:
        lines += [_clean(cmd.help), ""]
    lines += ["```text", f"{title} {usage}".rstrip(), "```", ""]
    params = [p for p in cmd.params if not getattr(p, "hidden", False)]
    if params:
        lines += ["| Argument or option | Description |", "|---|---|"]
        for param in params:
            lines.append(f"| {_param_name(param)} | {_param_help(param)} |")
        lines.append("")
    if hasattr(cmd, "list_commands"):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                _command(sub, [*path, name], lines, depth + 1)


def _is_option(param: Any) -> bool:
    return bool(param.param_type_name == "option")


def _param_name(param: Any) -> str:
    if _is_option(param):
        names = [*param.opts, *param.secondary_opts]
        return ", ".join(f"`{n}`" for n in names)
    return f"`{(param.metavar or param.name or '').upper()}`"


def _param_help(param: Any) -> str:
    parts = [_clean(getattr(param, "help", None))]
    if _is_option(param):
        if param.envvar:
            env = param.envvar if isinstance(param.envvar, str) else ", ".join(param.envvar)
            parts.append(f"Env: `{env}`.")
        if param.required:
            parts.append("Required.")
        elif param.show_default and param.default not in (None, False, (), []):
            parts.append(f"Default: `{param.default}`.")
    elif param.required:
        parts.append("Required.")
    return " ".join(p for p in parts if p).replace("|", "\\|").replace("\n", " ")
