"""``/docs`` and ``/redoc`` of the sandbox load nothing from another host (they work offline)."""

from __future__ import annotations

import re

import httpx
import pytest

from gmodstore_sandbox.testing import Sandbox

_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_reference_only_the_sandbox(sandbox: Sandbox, page: str) -> None:
    response = httpx.get(sandbox.url + page)
    assert response.status_code == 200
    assert "x-ratelimit-limit" in response.headers
    html = response.text
    references = [a or b for a, b in _REFERENCE.findall(html)]
    # The page's own loads, plus any absolute URL in its inline script.
    references += re.findall(r"""["'](https?://[^"']+|//[^"']+)["']""", html)
    assert references, html
    assert [r for r in references if re.match(r"(https?:)?//", r)] == []
    assert "fonts.googleapis" not in html and "cdn.jsdelivr" not in html
    for reference in references:
        if reference.startswith("/"):
            asset = httpx.get(sandbox.url + reference)
            assert asset.status_code == 200, reference
            assert len(asset.content) > 100, reference


def test_unknown_asset_is_the_api_s_404(sandbox: Sandbox) -> None:
    response = httpx.get(sandbox.url + "/docs-assets/../../etc/passwd")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
