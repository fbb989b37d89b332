"""One POST to a department's system: to the address its URL was checked against (a name
cannot resolve somewhere else in between), with the TLS name and Host header of the URL,
five seconds at most, no redirects followed, nothing retried here (the queue retries)."""

from __future__ import annotations

import time

from chalicelib.core.domain.records import frozen
from chalicelib.notifications.domain.webhook_urls import Target

TIMEOUT_SECONDS = 5.0
# What is kept of the receiver's answer in the delivery log.
KEPT_RESPONSE_BYTES = 512


@frozen
class Outcome:
    status: int | None
    latency_ms: int
    error: str | None
    response: str = ""

    @property
    def delivered(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


def post(target: Target, body: bytes, headers: dict[str, str]) -> Outcome:
    import urllib3

    address = target.addresses[0]
    began = time.monotonic()
    pool: urllib3.HTTPConnectionPool
    timeout = urllib3.Timeout(connect=TIMEOUT_SECONDS, read=TIMEOUT_SECONDS, total=TIMEOUT_SECONDS)
    if target.scheme == "https":
        import certifi

        pool = urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False)
    host_header = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
    try:
        with pool:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers={**headers, "Host": host_header},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            kept = response.read(KEPT_RESPONSE_BYTES, decode_content=False)
            response.release_conn()
    except Exception as exc:  # the receiver's fault or the network's: logged, retried
        return Outcome(None, _ms(began), f"{type(exc).__name__}: {exc}"[:300])
    latency = _ms(began)
    status = int(response.status)
    text = kept.decode("utf-8", "replace")
    if 300 <= status < 400:
        return Outcome(status, latency, "redirects are not followed", text)
    if not 200 <= status < 300:
        return Outcome(status, latency, f"the receiver answered {status}", text)
    return Outcome(status, latency, None, text)


def _ms(began: float) -> int:
    return int((time.monotonic() - began) * 1000)
