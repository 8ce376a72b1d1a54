"""connectors.engine.outcomes: a run's error kind in plain words, from TestRun.ErrorKind."""

from __future__ import annotations

from pathlib import Path

from connectors.engine import outcomes
from connectors.lib.outbound import errors
from connectors.models import TestRun

OUTBOUND = Path(errors.__file__).parent


def test_it_titles_a_kind_by_its_label_and_an_unknown_kind_as_request_failed() -> None:
    assert outcomes.title(TestRun.ErrorKind.CONNECT_ERROR) == "Could not connect"
    assert outcomes.title("SomethingNew") == "Request failed"


def test_a_failure_before_sending_is_not_sent() -> None:
    assert not outcomes.was_sent(TestRun.ErrorKind.CREDENTIAL_MISSING)
    assert outcomes.was_sent(TestRun.ErrorKind.DEADLINE)


# Kinds the door passes as strings rather than as an error class's own.
PASSED_AS_STRINGS = {"InvalidURL", "InvalidHeader", "ConnectTimeout", "BadResponse", "Cancelled"}


def test_every_kind_the_network_door_names_is_an_error_kind() -> None:
    # The door sits below the models, so it names its failures with the same strings.
    sources = "".join(module.read_text() for module in OUTBOUND.glob("*.py"))
    assert all(f'"{kind}"' in sources for kind in PASSED_AS_STRINGS)
    classes = {cls.kind for cls in vars(errors).values() if isinstance(cls, type)}
    assert classes | PASSED_AS_STRINGS <= set(TestRun.ErrorKind.values)
