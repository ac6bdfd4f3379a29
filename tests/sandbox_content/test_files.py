"""The file store: where files go by default, and what a restart cleans up."""

from __future__ import annotations

import os
import time
from pathlib import Path

from gmodstore_sandbox.content.files import default_files_dir
from gmodstore_sandbox.testing import run_sandbox

from .conftest import CONTENT_SCOPES
from .files import zip_bytes


def test_default_folder_is_beside_the_sqlite_file() -> None:
    assert default_files_dir("sqlite:////data/dev/sandbox.db") == Path("/data/dev/sandbox-files")
    assert default_files_dir("sqlite:///./dev.db") == Path("./dev-files")
    assert default_files_dir("postgresql+psycopg://u@h/db") == Path("sandbox-files")


def test_a_restart_removes_old_orphans_and_keeps_the_rest(tmp_path: Path) -> None:
    import httpx

    with run_sandbox(f"sqlite:///{tmp_path / 'files.db'}") as sb:
        assert sb.files_dir == tmp_path / "files-files"
        token = sb.new_token(scopes=CONTENT_SCOPES)
        response = httpx.post(
            f"{sb.url}/v3/products/{sb.ids.product_id}/versions",
            headers={"Authorization": f"Bearer {token}"},
            data={"name": "1", "changelog": "x", "releaseType": "stable"},
            files={"file": ("a.zip", zip_bytes(), "application/zip")},
        )
        assert response.status_code == 201
        kept = sb.files_dir / "versions" / response.json()["data"]["id"].replace("-", "")
        old_orphan = sb.files_dir / "versions" / ("0" * 32)
        young_orphan = sb.files_dir / "media" / ("1" * 32 + ".png")
        old_orphan.write_bytes(b"left by a crash between rename and commit")
        young_orphan.write_bytes(b"maybe another process's commit in flight")
        an_hour_ago = time.time() - 3600
        os.utime(old_orphan, (an_hour_ago, an_hour_ago))
        os.utime(kept, (an_hour_ago, an_hour_ago))
        dead = sb.files_dir / "tmp" / "deadbeef"
        dead.mkdir()
        (dead / ".lock").touch()  # a dead process: its lock file is there, nobody holds it
        (dead / "x.part").write_bytes(b"half")
        sb.restart()
        assert kept.exists()
        assert not old_orphan.exists()
        assert young_orphan.exists()
        assert not dead.exists()
