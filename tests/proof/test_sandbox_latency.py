"""The testing helper's server answers keep-alive requests without Nagle / delayed-ACK stalls.

Every end-to-end test (and every user's bot test) talks to `run_sandbox`, so a fixed per-request
delay there multiplies across the whole suite. On Linux, a response written in two segments on a
socket without TCP_NODELAY waits for the client's delayed ACK (40 ms) before its second segment
leaves. asyncio only sets TCP_NODELAY on sockets whose `proto` is IPPROTO_TCP, so a listening
socket created as `socket.socket(AF_INET, SOCK_STREAM)` (proto 0) and handed to uvicorn yields
connections that stall on every request: ~44 ms each, ~22 requests/s per connection.
"""

from __future__ import annotations

import statistics
import time

import httpx


def test_run_sandbox_keepalive_latency_has_no_nagle_stall() -> None:
    from gmodstore_sandbox.testing import run_sandbox

    with run_sandbox() as sb:
        url = f"{sb.url}/api/v3/products/{sb.ids.product_id}/purchases/{sb.ids.purchase_ids[0]}"
        with httpx.Client(headers={"Authorization": f"Bearer {sb.token}"}) as client:
            client.get(url).raise_for_status()
            samples = []
            for _ in range(30):
                start = time.perf_counter()
                client.get(url).raise_for_status()
                samples.append(time.perf_counter() - start)
    median_ms = statistics.median(samples) * 1000
    assert median_ms < 20, (
        f"median keep-alive GET takes {median_ms:.1f} ms: the 40 ms delayed-ACK stall of a "
        "socket without TCP_NODELAY (create the listening socket with proto=IPPROTO_TCP)"
    )
