"""The timing breakdown measured where connections are made and answers read."""

from __future__ import annotations

from connectors.lib.outbound import door, timing
from connectors.lib.outbound.messages import OutboundRequest
from tests.helpers.upstream import Upstream


def test_it_measures_each_phase_of_a_send_and_sees_a_reused_connection() -> None:
    with Upstream() as up:
        request = OutboundRequest("GET", f"{up.url}/x", [], allow=["127.0.0.1"])
        first = door.send(request)
        second = door.send(request)
    assert set(first.timing) == {*timing.PHASES, "reused"}
    assert first.timing["connect"] > 0 and first.timing["tls"] == 0  # plain http: no TLS
    assert first.timing["first_byte"] > 0 and first.timing["reused"] is False
    assert second.timing["reused"] is True and second.timing["connect"] == 0


def test_outside_a_send_nothing_is_kept() -> None:
    with timing.phase("dns"):
        pass
    assert timing.current.get() is None
