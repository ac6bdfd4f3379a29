"""One SQLite file, several processes: a running server and short-lived processes that open the
file and close it again (the ``gmodstore sandbox ...`` admin commands of the README).

SQLite's WAL mode relies on each process keeping a POSIX lock on the database file while it has it
open. Closing *any* descriptor of the file drops all of that process's locks, so the server must
never open the file itself: another process closing its last connection would then think it is
alone, checkpoint and delete the ``-wal`` and ``-shm`` files the server still writes to.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from gmodstore_sandbox.testing import run_sandbox

from .conftest import bearer, purchases_path

_SQL = (
    "import json, sqlite3, sys\n"
    "c = sqlite3.connect(sys.argv[1], timeout=10)\n"
    "rows = c.execute(sys.argv[2]).fetchall()\n"
    "c.commit()\n"
    "c.close()\n"
    "print(json.dumps(rows))\n"
)


def _query_elsewhere(database: Path, sql: str) -> list[list[object]]:
    """Run `sql` in a new process on `database`, which closes it afterwards; its rows."""
    result = subprocess.run(
        [sys.executable, "-c", _SQL, str(database), sql],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    rows: list[list[object]] = json.loads(result.stdout)
    return rows


def _purchase_ids_elsewhere(database: Path) -> set[str]:
    rows = _query_elsewhere(database, "SELECT id FROM purchases")
    return {str(uuid.UUID(str(row[0]))) for row in rows}


def test_writes_stay_visible_to_other_processes_that_open_and_close_the_file(tmp_path):
    database = tmp_path / "sandbox.db"
    with (
        run_sandbox(f"sqlite:///{database}") as sb,
        httpx.Client(base_url=sb.url, headers=bearer(sb.token), timeout=30) as http,
    ):
        path = purchases_path("/v3", sb.ids.product_id)
        created = []
        for _ in range(2):
            # Each round: the server writes, then another process opens the file, reads and
            # closes it (the last connection of its process, which checkpoints if it is alone).
            response = http.post(path, json={"userId": sb.new_user()})
            assert response.status_code == 201, response.text
            created.append(response.json()["data"]["id"])
            assert set(created) <= _purchase_ids_elsewhere(database)
        # And the other way round: what another process wrote is what the server serves.
        _query_elsewhere(database, "UPDATE purchases SET revoked = 1")
        listed = http.get(path, params={"perPage": 100}).json()["data"]
        assert {p["revoked"] for p in listed} == {True}
    assert _query_elsewhere(database, "PRAGMA integrity_check") == [["ok"]]
