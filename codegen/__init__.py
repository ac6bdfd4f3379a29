"""The SDK generator: reads the API v3 OpenAPI document and writes the regular parts of the SDK.

Steps, each in its own module and each inspectable on its own:

- `spec.load_spec(path)` reads the document and applies `spec.PATCHES` (every known defect of the
  public document, see `../shared/reference/SPEC-NOTES.md`), returning the patched dict.
- `parse.parse(spec)` turns it into the intermediate model of `ir.py` (operations, parameters,
  schemas, webhook events): plain dataclasses that the tests inspect.
- `render.*` turn the intermediate model into source files (plain Python string building; the
  output is then run through `ruff format` and `ruff check --fix`, see `write.py`).

Run it with `scripts/generate` (writes into `src/` and `docs/`), or `python -m codegen --check`
(regenerates into a temporary folder and fails on any difference; `scripts/check` does this).
This package is not shipped in the wheel.
"""

from __future__ import annotations

__all__ = ["DEFAULT_SPEC", "SPEC_URL"]

DEFAULT_SPEC = "../shared/reference/pivity-api-v3.openapi.json"
"""The spec's default location, relative to the repository root."""

SPEC_URL = "https://www.gmodstore.com/openapi"
"""Where the live document is published (regenerate from it with `--spec`)."""
