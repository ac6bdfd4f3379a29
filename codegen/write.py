"""Write rendered files, formatted with the repository's ruff settings; compare for `--check`."""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from codegen.render import HEADER

__all__ = ["check", "generated_files_in", "write"]

GENERATED_DIRS = ("src/gmodstore_sdk/model", "src/gmodstore_sdk/api")


def _ruff() -> str:
    local = Path(sys.executable).with_name("ruff")
    return str(local) if local.exists() else "ruff"


def _format(root: Path, paths: list[Path], config: Path) -> None:
    py = [str(p) for p in paths if p.suffix == ".py"]
    if not py:
        return
    ruff = _ruff()
    base = ["--config", str(config), "--no-cache"] if config.exists() else ["--no-cache"]
    subprocess.run(
        [ruff, "check", *base, "--select", "I,F401", "--fix", "--quiet", *py],
        check=False,
        cwd=root,
    )
    subprocess.run([ruff, "format", *base, "--quiet", *py], check=True, cwd=root)


def write(files: dict[str, str], root: Path, *, config: Path) -> list[Path]:
    """Write `files` under `root`, format them, delete generated files no longer produced."""
    written = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    _format(root, written, config)
    for stale in generated_files_in(root) - {root / rel for rel in files}:
        stale.unlink()
    return written


def generated_files_in(root: Path) -> set[Path]:
    """Files under `root` that say they are generated (first line) or live in docs/api."""
    found = set()
    for folder in GENERATED_DIRS:
        for path in (root / folder).glob("*.py"):
            with path.open(encoding="utf-8") as handle:
                if handle.readline() == HEADER:
                    found.add(path)
    docs = root / "docs/api"
    if docs.is_dir():
        found |= set(docs.glob("*.md"))
    for extra in ("src/gmodstore_sdk/_facade.py", "src/gmodstore_sdk/_spec_info.py"):
        path = root / extra
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                if handle.readline() == HEADER:
                    found.add(path)
    return found


def check(files: dict[str, str], repo: Path) -> list[str]:
    """Regenerate into a temporary folder; return a unified diff per differing file."""
    with tempfile.TemporaryDirectory(prefix="gmodstore-codegen-") as tmp:
        out = Path(tmp)
        write(files, out, config=repo / "pyproject.toml")
        problems = []
        expected = {p.relative_to(out) for p in out.rglob("*") if p.is_file()}
        present = {p.relative_to(repo) for p in generated_files_in(repo)}
        for rel in sorted(expected | present):
            new = out / rel
            old = repo / rel
            a = old.read_text(encoding="utf-8").splitlines(True) if old.exists() else []
            b = new.read_text(encoding="utf-8").splitlines(True) if new.exists() else []
            if a != b:
                problems.append("".join(difflib.unified_diff(a, b, f"a/{rel}", f"b/{rel}", n=1)))
        shutil.rmtree(out, ignore_errors=True)
        return problems
