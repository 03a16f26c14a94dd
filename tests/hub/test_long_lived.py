"""hub/long_lived.py: what a process keeps is frozen out of the collector's rounds; garbage is not."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from hub.long_lived import settle_long_lived


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture(autouse=True)
def _unfrozen_after() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_kept_objects_leave_the_collectors_rounds_and_cyclic_garbage_is_freed() -> None:
    kept = [{"id": i, "name": f"n{i}"} for i in range(50_000)]
    # A cycle nobody holds: garbage only the cyclic collector can free.
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    settle_long_lived()
    assert gone() is None  # collected, not frozen with the rest
    assert gc.get_freeze_count() >= len(kept)
    # The kept objects are no longer in any generation the collector walks.
    tracked = {id(o) for o in gc.get_objects()}
    assert id(kept[0]) not in tracked
    assert kept[123]["name"] == "n123"


def test_a_second_settling_reconsiders_what_the_first_froze() -> None:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    settle_long_lived()  # a and b are still held here: frozen
    del a, b
    settle_long_lived()  # now garbage: unfrozen, collected
    assert gone() is None
