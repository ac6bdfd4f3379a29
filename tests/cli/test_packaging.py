"""What a fresh clone and a built wheel show a user: no machine paths, a licence, project URLs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from _reference import reference_file

ROOT = Path(__file__).resolve().parents[2]
# Absolute paths of a particular machine (a home or work folder), not generic ones like /tmp.
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|home|Users|root|opt/[a-z]+)/[\w.-]+")


def _tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def test_no_path_of_a_particular_machine_in_the_repository() -> None:
    found = []
    for path in _tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{path.relative_to(ROOT)}: {m}" for m in MACHINE_PATH.findall(text)]
    assert found == []


def test_a_missing_reference_file_skips_naming_it() -> None:
    with pytest.raises(pytest.skip.Exception, match=r"\.\./shared/reference/nope\.json not found"):
        reference_file("nope.json")


def test_licence_and_project_urls() -> None:
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'license-files = ["LICENSE"]' in pyproject
    assert "[project.urls]" in pyproject


def test_scripts_test_does_not_combine_coverage_data_that_is_not_there() -> None:
    script = (ROOT / "scripts" / "test").read_text()
    assert "2>/dev/null || true" not in script
    assert 'if compgen -G ".coverage.*"' in script


def test_every_command_error_line_starts_with_lowercase_error() -> None:
    """The prefix is `error:` everywhere (scripts grep for it); `Error:` was the sandbox's."""
    found = []
    for path in sorted((ROOT / "src").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"""["']Error: """, line):
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []
