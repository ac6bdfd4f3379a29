"""Import cost of the SDK, in fresh processes.

    .venv/bin/python bench/bench_import.py [--runs 15]

1. Issue 2: `import gmodstore_sdk, gmodstore_sdk.api.product_purchases_api,
   gmodstore_sdk.model.product_purchase` above `import httpx`; target at most 120 ms.
2. Issue 11: the same SDK import measured after `import httpx` and `import pydantic` (with
   `pydantic.BaseModel` touched: `import pydantic` alone defers its model machinery), against
   pydantic's own import time in that process; target SDK <= 0.5x pydantic. pydantic 2.12+
   defers more: `pydantic.fields` (with `pydantic.types` and `annotated_types`, ~15 ms) loads
   with the first model class any program defines. Those are pydantic's modules, so the
   verdict counts them as pydantic's import (`pydantic.fields` imported in the pydantic step);
   the figure without that (the first `class X(BaseModel)` charged to the SDK) is printed too.
3. Issue 11: importing one more API module (`users_api`) loads only that API's models (listed).
4. Issue 11: the cost of touching all API classes (every `gmodstore_sdk.api.<tag>_api`).

Times are CPU seconds of the importing process (`time.process_time`), which a loaded machine
disturbs far less than wall time. The measured `src/` is byte-compiled first (`compileall`), as
pip compiles an installed package and as httpx and pydantic are in site-packages: otherwise a
missing or stale `__pycache__` (e.g. `PYTHONDONTWRITEBYTECODE=1` after an edit) charges ~30 ms of
compiling to the SDK alone. Medians over the runs are printed; `--src` measures another
checkout's `src/` (e.g. the seed's, for a before/after).
"""

from __future__ import annotations

import argparse
import compileall
import json
import statistics
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

SNIPPET = """
import json, sys, time
sys.path.insert(0, {src!r})
t0 = time.process_time()
import httpx
t1 = time.process_time()
import pydantic
pydantic.BaseModel  # `import pydantic` is lazy: this loads the model machinery every user needs
t2 = time.process_time()
if {fields}:
    import pydantic.fields  # what the first model class of any program loads (pydantic >= 2.12)
t2b = time.process_time()
import gmodstore_sdk, gmodstore_sdk.api.product_purchases_api, gmodstore_sdk.model.product_purchase
t3 = time.process_time()
before = set(sys.modules)
try:
    import gmodstore_sdk.api.users_api
except ImportError:  # an SDK from before issue 11
    pass
t4 = time.process_time()
users_models = sorted(m for m in set(sys.modules) - before if m.startswith("gmodstore_sdk.model."))
try:
    from gmodstore_sdk.api._registry import OPERATIONS
except ImportError:
    OPERATIONS = ()
import importlib
t5 = time.process_time()
for module in sorted({{op.module for op in OPERATIONS}}):
    importlib.import_module(module)
t6 = time.process_time()
apis = len({{op.api_class for op in OPERATIONS}})
print(json.dumps([t1 - t0, t2b - t1, t3 - t2b, t4 - t3, t6 - t5, apis, users_models]))
"""

# What UsersApi's operations can answer or take: nothing else may load with it.
USERS_MODELS = {
    "get_me_response",
    "me",
    "personal_access_token",
    "personal_access_token_scope",
    "tenant",
    "user",
    "user_ban_property",
    "get_users_response",
    "list_users_response",
    "user_filter",
    "get_user_response",
    "_fields",  # hand-written field types shared by the generated models
    "_filter",  # hand-written base of the filter models
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--src", default=str(SRC), help="the src/ folder to import from")
    args = parser.parse_args()
    compileall.compile_dir(args.src, quiet=1)
    rows, plain = [], []
    for _ in range(args.runs):  # interleaved, so that a load change disturbs both alike
        for fields, into in ((True, rows), (False, plain)):
            snippet = SNIPPET.format(src=args.src, fields=fields)
            out = subprocess.run(
                [sys.executable, "-c", snippet], check=True, capture_output=True, text=True
            ).stdout
            into.append(json.loads(out))
    plain_pydantic_ms, plain_sdk_ms = (
        statistics.median(r[i] for r in plain) * 1000 for i in (1, 2)
    )
    httpx_ms, pydantic_ms, sdk_ms, users_ms, all_ms = (
        statistics.median(r[i] for r in rows) * 1000 for i in range(5)
    )
    apis, users_models = rows[-1][5], rows[-1][6]
    above_httpx = pydantic_ms + sdk_ms
    print(f"import httpx: {httpx_ms:.1f} ms; pydantic after httpx: {pydantic_ms:.1f} ms")
    verdict = "ok" if above_httpx <= 120 else "OVER TARGET"
    print(f"SDK (+purchase api, +model) above httpx: {above_httpx:.1f} ms (<= 120 ms, {verdict})")
    ratio = sdk_ms / pydantic_ms
    verdict = "ok" if ratio <= 0.5 else "OVER TARGET"
    print(
        f"SDK above httpx+pydantic (pydantic.fields counted as pydantic's): {sdk_ms:.1f} ms = "
        f"{ratio:.2f}x pydantic's import of {pydantic_ms:.1f} ms (target <= 0.5x, {verdict})"
    )
    print(
        f"  the same with pydantic.fields charged to the SDK: {plain_sdk_ms:.1f} ms = "
        f"{plain_sdk_ms / plain_pydantic_ms:.2f}x pydantic's {plain_pydantic_ms:.1f} ms"
    )
    loaded = {m.removeprefix("gmodstore_sdk.model.") for m in users_models}
    extra = sorted(loaded - USERS_MODELS)
    verdict = "ok" if not extra else f"ALSO LOADED {extra}"
    print(f"+ users_api: {users_ms:.1f} ms, loads {len(loaded)} model modules ({verdict})")
    print(f"touching all {apis} API classes (every api module): {all_ms:.1f} ms")
    print(f"median of {args.runs} fresh processes")


if __name__ == "__main__":
    main()
