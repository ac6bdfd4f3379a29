"""The fuzzing profile every schemathesis test takes its example counts from, and request counts.

``GMODSTORE_FUZZ_PROFILE`` picks the profile: ``ci`` (the default) keeps all the schemathesis tests
together, on both backends, around a minute and a half; ``full`` runs at least 100 examples per
operation and generation mode in the whole-API test, and many stateful scenarios.
``GMODSTORE_FUZZ_REPORT=path`` makes the whole-API test write its request counts there as JSON.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROFILE_ENV = "GMODSTORE_FUZZ_PROFILE"
REPORT_ENV = "GMODSTORE_FUZZ_REPORT"


@dataclass(frozen=True)
class Profile:
    name: str
    examples: dict[str, int]
    """Examples per operation and generation mode, by suite (one suite per test file)."""
    scenarios: int
    """Stateful scenarios (state machine runs) per backend."""
    steps: int
    """At most this many calls per stateful scenario."""

    def max_examples(self, suite: str) -> int:
        return self.examples[suite]


PROFILES = {
    "ci": Profile(
        name="ci",
        examples={
            "whole-api": 5,
            "purchases": 5,
            "sandbox-openapi": 3,
            "identity": 3,
            "content": 3,
            "tickets": 2,
        },
        scenarios=10,
        steps=6,
    ),
    "full": Profile(
        name="full",
        examples={
            "whole-api": 100,
            "purchases": 100,
            "sandbox-openapi": 100,
            "identity": 100,
            "content": 100,
            "tickets": 100,
        },
        scenarios=300,
        steps=10,
    ),
}


def profile() -> Profile:
    name = os.environ.get(PROFILE_ENV, "ci") or "ci"
    if name not in PROFILES:
        raise ValueError(f"{PROFILE_ENV}={name!r}: expected one of {sorted(PROFILES)}")
    return PROFILES[name]


def hypothesis_settings(max_examples: int, **extra: Any) -> Any:
    """Derandomized, no example database, no deadline, no health checks (the sandbox is I/O)."""
    from hypothesis import HealthCheck, Phase, settings

    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        **extra,
    )


@dataclass
class RequestCounts:
    """Requests sent by the fuzzers, by (suite, backend, mode); thread-safe."""

    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, suite: str, backend: str, mode: str, n: int = 1) -> None:
        with self._lock:
            self.counts[(suite, backend, mode)] += n

    def of(self, suite: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (s, backend, mode), n in sorted(self.counts.items()):
            if s == suite:
                out.setdefault(backend, {})[mode] = n
        return out

    def summary(self, suite: str) -> str:
        per = self.of(suite)
        parts = [
            f"{backend}: " + ", ".join(f"{mode} {n}" for mode, n in modes.items())
            for backend, modes in per.items()
        ]
        total = sum(sum(m.values()) for m in per.values())
        return f"fuzz [{profile().name}] {suite}: {total} requests ({'; '.join(parts)})"

    def write_report(self, suite: str, path: str | Path, **extra: Any) -> None:
        per = self.of(suite)
        document = {
            "profile": profile().name,
            "suite": suite,
            "requests": per,
            "total": sum(sum(m.values()) for m in per.values()),
            **extra,
        }
        Path(path).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")


COUNTS = RequestCounts()


def nothing_to_negate(operation: Any) -> bool:
    """True when negative generation can only give up: no body, query, cookie or header (but the
    pinned `Authorization`) to mutate, and path parameters that are free-form strings (any
    mutation is still a string on the wire). Hypothesis would spend about a second per operation
    before raising `Unsatisfiable`; the negative runs skip such operations up front."""
    if operation.body or operation.query or operation.cookies:
        return False
    if any(h.name.lower() != "authorization" for h in operation.headers):
        return False
    for param in operation.path_parameters:
        schema = param.definition.get("schema", {})
        constraints = set(schema) - {"type", "title", "description"}  # annotations only
        if constraints or schema.get("type", "string") != "string":
            return False
    return True
