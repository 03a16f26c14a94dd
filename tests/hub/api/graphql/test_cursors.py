"""Page cursors of root lists: in id order a page starts after the last item's id (keyset),
so a whole list can be walked however long; sorted, pages are offsets with a deepest start."""

from __future__ import annotations

from typing import Any

import pytest

from hub.api.graphql import cursors
from hub.store import GraphStore
from tests.hub.api.graphql.conftest import codes, data, execute

PAGE = """query ($after: String, $sort: [PersonSort!]) {
  persons(first: 2, after: $after, sort: $sort) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


@pytest.fixture
def people(district: GraphStore) -> GraphStore:
    # Beside the district's P1 and P2: seven more, ids out of insertion order.
    district.upsert_nodes("Person", [{"id": f"P{n}", "name": f"人{n}"} for n in (9, 3, 7, 5, 4, 8, 6)])
    return district


def _walk(store: GraphStore, sort: Any = None) -> tuple[list[str], list[dict[str, Any]]]:
    seen: list[str] = []
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        page = data(execute(store, PAGE, after=after, sort=sort)[0])["persons"]
        pages.append(page)
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen, pages
        after = page["pageInfo"]["endCursor"]


def test_a_list_in_id_order_is_walked_whole_past_the_deepest_offset(
    people: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cursors, "MAX_OFFSET", 3)  # an offset cursor could not start past item 3
    seen, pages = _walk(people)
    assert seen == sorted(f"P{n}" for n in range(1, 10))
    assert [p["totalCount"] for p in pages] == [9] * 5  # counted whole, not from the cursor on
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True, True, True]
    # Each edge's cursor starts the page after it; the page info names the first and last edge.
    second = pages[1]
    after_first = data(execute(people, PAGE, after=second["edges"][0]["cursor"])[0])["persons"]
    assert [e["node"]["id"] for e in after_first["edges"]] == ["P4", "P5"]
    assert second["pageInfo"]["startCursor"] == second["edges"][0]["cursor"]
    assert second["pageInfo"]["endCursor"] == second["edges"][-1]["cursor"]


def test_a_person_added_between_pages_shifts_nothing_in_id_order(people: GraphStore) -> None:
    first = data(execute(people, PAGE)[0])["persons"]
    people.upsert_nodes("Person", [{"id": "P0"}])  # before every page so far
    second = data(execute(people, PAGE, after=first["pageInfo"]["endCursor"])[0])["persons"]
    assert [e["node"]["id"] for e in second["edges"]] == ["P3", "P4"]


def test_sorted_pages_are_offsets_with_a_deepest_start(
    people: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cursors, "MAX_OFFSET", 3)
    by_name = [{"name": "DESC"}]
    page = data(execute(people, PAGE, sort=by_name)[0])["persons"]
    page = data(execute(people, PAGE, sort=by_name, after=page["pageInfo"]["endCursor"])[0])["persons"]
    body = execute(people, PAGE, sort=by_name, after=page["pageInfo"]["endCursor"])[0]
    assert codes(body) == ["BAD_USER_INPUT"]
    assert "leave out `sort`" in body["errors"][0]["message"]
    # A cursor of the list in id order is not one of the sorted list's.
    keyset = data(execute(people, PAGE)[0])["persons"]["pageInfo"]["endCursor"]
    assert codes(execute(people, PAGE, sort=by_name, after=keyset)[0]) == ["BAD_USER_INPUT"]


def test_a_cursor_the_api_did_not_give_is_refused(people: GraphStore) -> None:
    for after in ("bm9wZQ==", "not base64 at all", ""):
        assert codes(execute(people, PAGE, after=after)[0]) == ["BAD_USER_INPUT"], after
