"""The item matcher: on the generated events, on complaints written by hand, and case by case."""

from __future__ import annotations

import pytest

from hub.tasks.catalog import Catalog
from hub.tasks.matching import ItemMatcher, fold
from tests.hub.tasks.events.conftest import Events
from tests.hub.tasks.events.handwritten import HANDWRITTEN, HELD_OUT

ITEM_TARGET = 0.95  # of the events about an item on the list, put on that item
HELD_OUT_FLOOR = 0.6  # hand-written complaints never tuned on: the measured share, as a floor


def _score(matcher: ItemMatcher, events: Events) -> tuple[float, int, int, int]:
    """(share right, right, wrong, queued) over the events about an item on the list."""
    right = wrong = queued = 0
    for raw in events.raw:
        want = events.truth[raw["event_id"]]["item_code"]
        if not want:
            continue
        got = matcher.match(raw["text"], raw["category"]).code
        right += got == want
        wrong += got is not None and got != want
        queued += got is None
    return right / (right + wrong + queued), right, wrong, queued


def test_events_are_put_on_the_right_item(events: Events, catalog: Catalog) -> None:
    keywords = _score(ItemMatcher(catalog, lexicon=(), blocks=()), events)
    full = _score(ItemMatcher(catalog), events)
    for name, (share, right, wrong, queued) in (("keywords", keywords), ("keywords + lexicon", full)):
        print(f"\nitems, {name}: {share:.1%} right ({right}), {wrong} wrong, {queued} to the queue")
    assert full[0] >= ITEM_TARGET
    assert full[2] <= 0.01 * (full[1] + full[2] + full[3])  # a wrong item costs more than a queued one


def test_events_outside_the_item_list_get_no_item(events: Events, catalog: Catalog) -> None:
    matcher = ItemMatcher(catalog)
    outside = [
        raw for raw in events.raw if events.truth[raw["event_id"]]["item_reason"] == "item_outside_list"
    ]
    given = [raw["text"] for raw in outside if matcher.match(raw["text"], raw["category"]).code is not None]
    print(f"\noutside the list: {len(outside) - len(given)} of {len(outside)} without an item")
    assert len(outside) >= 20
    assert len(given) <= 0.1 * len(outside)


@pytest.mark.parametrize(
    ("name", "rows", "floor"), [("tuned on", HANDWRITTEN, 0.85), ("held out", HELD_OUT, HELD_OUT_FLOOR)]
)
def test_handwritten_complaints(
    catalog: Catalog, name: str, rows: tuple[tuple[str, str | None, str | None], ...], floor: float
) -> None:
    """Complaints not written by the generator: the share the matcher gets right is printed; the
    held-out set was written after the lexicon was settled and never tuned on."""
    for label, matcher in (
        ("keywords", ItemMatcher(catalog, lexicon=(), blocks=())),
        ("lexicon", ItemMatcher(catalog)),
    ):
        got = [matcher.match(text, category).code for text, category, _ in rows]
        right = sum(g == want for g, (_, _, want) in zip(got, rows, strict=True))
        wrong = sum(g is not None and g != want for g, (_, _, want) in zip(got, rows, strict=True))
        print(
            f"\nhand-written ({name}), {label}: {right}/{len(rows)} = {right / len(rows):.0%} right, {wrong} wrong"
        )
    assert right / len(rows) >= floor


def test_a_category_naming_an_item_settles_it(catalog: Catalog) -> None:
    matcher = ItemMatcher(catalog)
    code, item = next(iter(catalog.items.items()))
    assert matcher.match("随便写的内容", code).code == code
    assert matcher.match("随便写的内容", f" {code.lower()} ").code == code
    assert matcher.match("随便写的内容", item.name).code == code
    assert matcher.match("随便写的内容", f"某某类-{item.name}").code == code
    assert matcher.match("随便写的内容", "XX-999").code is None


def test_a_category_of_the_list_narrows_the_items(catalog: Catalog) -> None:
    matcher = ItemMatcher(catalog)
    noise = matcher.match("楼下吵得没法睡", "生态环境")
    assert noise.code is not None
    assert catalog.items[noise.code].category == "生态环境"
    assert matcher.match("楼下吵得没法睡", "城市管理").code is None  # no noise item in that category


def test_traditional_characters_and_typos(catalog: Catalog) -> None:
    matcher = ItemMatcher(catalog)
    plain = matcher.match("楼下的垃圾桶满了好几天没人清理", None).code
    assert plain is not None
    assert matcher.match("樓下的垃圾桶滿了好幾天沒人清理", None).code == plain
    assert matcher.match("楼下的拉圾桶满了好几天没人清理", None).code == plain  # a homophone typed
    assert fold("Ｋ　Ｔ　Ｖ，吵！") == "ktv吵"


def test_no_item_comes_with_the_reason(catalog: Catalog) -> None:
    matcher = ItemMatcher(catalog)
    nothing = matcher.match("今天天气不错", None)
    assert nothing.code is None
    assert "no word of the item list" in nothing.reason
    found = matcher.match("小区门口有小贩摆摊卖水果，把人行道都占了", None)
    assert found.code is not None
    assert found.reason.startswith(found.code)


def test_a_quarrel_is_no_noise(catalog: Catalog) -> None:
    matcher = ItemMatcher(catalog)
    assert matcher.match("和邻居因为车位吵起来了", None).code is None
