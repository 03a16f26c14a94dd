"""hub/long_lived.py: what a process keeps is frozen out of the collector's rounds; garbage is not."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

import hub.long_lived
from hub.long_lived import keep_long_lived_out_of_gc, settle_long_lived


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


@pytest.fixture(autouse=True)
def _serving(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As in a serving process; off again and unfrozen afterwards."""
    monkeypatch.setattr(hub.long_lived, "_enabled", False)
    keep_long_lived_out_of_gc()
    yield
    gc.unfreeze()


def test_settling_is_off_outside_a_serving_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub.long_lived, "_enabled", False)
    gc.unfreeze()
    settle_long_lived()
    assert gc.get_freeze_count() == 0


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
