"""`python -m codegen [--spec PATH] [--check]`: regenerate the SDK (or check it is up to date)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codegen import DEFAULT_SPEC
from codegen.parse import parse
from codegen.render.all import render
from codegen.spec import load_spec
from codegen.write import check, write

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--spec", default=str(REPO / DEFAULT_SPEC), help="the OpenAPI document")
    parser.add_argument("--check", action="store_true", help="fail if the output is stale")
    args = parser.parse_args(argv)
    spec = Path(args.spec)
    if not spec.exists():
        print(f"codegen: skipped, spec not found at {spec}", file=sys.stderr)  # noqa: T201
        return 0
    files = render(parse(load_spec(spec)), REPO)
    if args.check:
        problems = check(files, REPO)
        for diff in problems:
            sys.stderr.write(diff)
        if problems:
            print(  # noqa: T201
                f"codegen: {len(problems)} generated file(s) out of date; run scripts/generate",
                file=sys.stderr,
            )
            return 1
        print(f"codegen: {len(files)} generated files up to date", file=sys.stderr)  # noqa: T201
        return 0
    write(files, REPO, config=REPO / "pyproject.toml")
    print(f"codegen: wrote {len(files)} files", file=sys.stderr)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
