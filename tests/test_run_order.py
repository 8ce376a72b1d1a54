"""The run's order under xdist: long-running modules first in each worker's share, whole."""

from __future__ import annotations

from dataclasses import dataclass

from tests.conftest import long_ones_first


@dataclass(frozen=True)
class Item:
    nodeid: str


def _items() -> list[Item]:
    short = [Item(f"tests/views/test_a.py::test_{n}") for n in range(40)]
    servers = [Item(f"tests/system/test_servers.py::test_{n}") for n in range(5)]
    browser = [Item(f"tests/browser/test_b.py::test_{n}[chromium]") for n in range(3)]
    more = [Item(f"tests/system/test_z.py::test_{n}") for n in range(12)]
    return short[:20] + browser + short[20:] + more + servers


def _module(item: Item) -> str:
    return item.nodeid.split("::")[0]


def test_one_worker_keeps_the_collection_order() -> None:
    items = _items()
    assert long_ones_first(items, 1) == items


def test_each_share_starts_with_whole_long_modules_and_keeps_every_test_once() -> None:
    items = _items()
    ordered = long_ones_first(items, 2)
    assert sorted(ordered, key=items.index) == items  # the same tests, each once
    first, second = ordered[:30], ordered[30:]  # worksteal's split of 60 over 2 workers
    assert {_module(i) for i in first[:5]} == {"tests/system/test_servers.py"}
    assert {_module(i) for i in second[:3]} == {"tests/browser/test_b.py"}
    long_modules = {"tests/system/test_servers.py", "tests/browser/test_b.py"}
    rest = [i for i in ordered if _module(i) not in long_modules]
    assert rest == [i for i in items if _module(i) not in long_modules]  # in collection order
