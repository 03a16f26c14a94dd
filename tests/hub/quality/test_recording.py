"""What the sync and the resolution pass record for the report: each mention's resolution, the
kind of each address outcome's reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.state import StateStore
from hub.state.mentions import IDENTIFIER, NEW, PROBABILISTIC
from hub.sync.addresses import ResolvedAddresses, reason_kind


def _row(record_id: str, entity_id: str, resolution: str, run_id: str = "r1") -> dict[str, object]:
    return {"source": "s", "record_id": record_id, "role": "self", "entity_type": "Person",
            "entity_id": entity_id, "trust": 50, "features": {}, "run_id": run_id,
            "resolution": resolution}  # fmt: skip


def _resolutions(state: StateStore) -> dict[str, str | None]:
    return {m["record_id"]: m["resolution"] for m in state.mentions_matching(source="s")}


@pytest.fixture
def state(tmp_path: Path) -> StateStore:
    return StateStore(f"sqlite:///{tmp_path / 'state.db'}")


def test_a_merge_marks_both_sides_probabilistic_but_not_identifier_links(state: StateStore) -> None:
    state.replace_mentions("s", ["a", "b", "c", "d"], [
        _row("a", "P-a", NEW), _row("b", "P-id", IDENTIFIER), _row("c", "P-c", NEW), _row("d", "P-d", NEW),
    ])  # fmt: skip
    state.reassign_mentions({"P-a": "P-id", "P-d": "P-c"}, "r2")
    assert _resolutions(state) == {
        "a": PROBABILISTIC,
        "b": IDENTIFIER,
        "c": PROBABILISTIC,
        "d": PROBABILISTIC,
    }


def test_a_rewritten_mention_that_stays_merged_keeps_probabilistic(state: StateStore) -> None:
    state.replace_mentions("s", ["a", "b"], [_row("a", "P-a", NEW), _row("b", "P-b", NEW)])
    state.reassign_mentions({"P-a": "P-b"}, "r2")
    # The sync follows the alias: the record's new version names the survivor, and says "new".
    state.replace_mentions("s", ["a"], [_row("a", "P-b", NEW, "r3")])
    assert _resolutions(state)["a"] == PROBABILISTIC
    # A version that no longer lands on the merged entity is an entity of its own again.
    state.replace_mentions("s", ["a"], [_row("a", "P-a2", NEW, "r4")])
    assert _resolutions(state)["a"] == NEW


def test_a_moved_mention_is_probabilistic(state: StateStore) -> None:
    state.replace_mentions("s", ["a", "b"], [_row("a", "P-a", NEW), _row("b", "P-b", IDENTIFIER)])
    state.move_mentions([("s", "a", "self", "P-x"), ("s", "b", "self", "P-x")])
    assert _resolutions(state) == {"a": PROBABILISTIC, "b": IDENTIFIER}


def test_counts_by_source_type_and_resolution(state: StateStore) -> None:
    state.replace_mentions("s", ["a", "b", "c"], [
        _row("a", "P-a", NEW), _row("b", "P-b", IDENTIFIER), _row("c", "P-c", IDENTIFIER),
    ])  # fmt: skip
    assert state.resolution_counts() == {("s", "Person", NEW): 1, ("s", "Person", IDENTIFIER): 2}
    assert state.resolutions_of(["s\x1fa\x1fself", "s\x1fzz\x1fself"]) == {"s\x1fa\x1fself": ("Person", NEW)}


@pytest.mark.parametrize(
    ("outcome", "reason", "kind"),
    [
        (
            "ambiguous",
            "2 buildings fit about equally: 福田大厦1栋; 福田大厦2栋",
            "several buildings fit about equally",
        ),
        ("ambiguous", "福田大厦1栋 fits only partly (score 0.41)", "best building fits only partly"),
        (
            "ambiguous",
            "the text names no building; 3 buildings of 福田大厦 fit",
            "no building named, several fit",
        ),
        ("unknown", "no estate, road or building could be read", "no estate, road or building readable"),
        ("unknown", "estate 某处 is not in the standard address library", "estate not in the library"),
        ("unknown", "福田大厦 has no building 9", "estate has no such building"),
        (
            "building",
            "福田大厦1栋; room 501 is in units 1, 2 and the text names none",
            "room in several units, no unit given",
        ),
        ("building", "福田大厦1栋; no room 909 in this building", "room not in the building"),
        ("building", "福田大厦1栋; floor 5 only, no room", "floor only, no room"),
        ("building", "福田大厦1栋; no room in the text", "no room in the text"),
        ("room", "福田大厦1栋; room 501", "room determined"),
        ("by code", "", "standard address code"),
    ],
)
def test_reason_kinds_drop_names_and_numbers(outcome: str, reason: str, kind: str) -> None:
    assert reason_kind(outcome, reason) == kind


def test_resolved_addresses_count_reasons_by_kind() -> None:
    out = ResolvedAddresses()
    out.count("unknown", "estate 甲 is not in the standard address library")
    out.count("unknown", "estate 乙 is not in the standard address library")
    out.count("room", "x; room 1")
    assert out.counts == {"unknown": 2, "room": 1}
    assert out.reasons == {"unknown": {"estate not in the library": 2}, "room": {"room determined": 1}}


def test_every_mention_of_an_entity_is_read(state: StateStore) -> None:
    # An entity with more mentions than a page of 500: none left out without a word.
    ids = [f"r{n:04d}" for n in range(620)]
    state.replace_mentions("s", ids, [_row(i, "P-big", NEW) for i in ids])
    assert sorted(m["record_id"] for m in state.mentions_matching(entity_id="P-big")) == ids
