"""The workbench in Debian's Chromium (headless, Playwright), as a steward uses it for a shift:
clearing 100 generated merge candidates with the keyboard alone, and looking someone up (the
search, an entity's page with its records, lineage, decisions and neighbourhood picture).

The 100 items are real pairs (hub/demo/review_items.py: people the resolver merged, split and
filed for review), so "same" merges two entities in the graph through the ordinary path.
Skipped where Chromium or Playwright is missing, unless CI=true: there it fails."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest

from hub.api.app import create_app
from hub.api.security.api_keys import ApiKeys
from hub.demo.generator import generate_district
from hub.demo.review_items import FiledPair, file_split_pairs
from hub.demo.run import demo_sources
from hub.settings import Settings
from hub.state import StateStore, Verdict
from hub.store import GraphStore, open_store
from hub.sync import sync_sources
from tests.hub.api.test_workbench_browser import playwright_or_skip, serving

STEWARD = "周审核"
ITEMS = 100
# The verdict each key gives; the generated items take them in turn.
KEYS = {"s": Verdict.SAME, "d": Verdict.DIFFERENT, "u": Verdict.UNSURE}


@dataclass
class District:
    settings: Settings
    store: GraphStore
    pairs: list[FiledPair]


@contextmanager
def generated_district(data_dir: Path, pairs: int) -> Iterator[District]:
    """A 300-person demo district, synced, with ``pairs`` merge candidates filed."""
    generate_district(data_dir / "demo", persons=300, seed=3)
    settings = Settings(data_dir=data_dir, ladybug_buffer_pool_mb=512, api_rate_burst=100_000)
    with open_store(settings) as store:
        with StateStore(settings.state_database_url) as state:
            sync_sources(store, state, demo_sources(store.schema), settings)
            filed = file_split_pairs(store, state, pairs)
        yield District(settings, store, filed)


def steward_key(settings: Settings, scopes: set[str]) -> str:
    with StateStore(settings.state_database_url) as state:
        return ApiKeys(state).create(STEWARD, scopes, created_by="tests").key


def browser_page(sync_api: ModuleType, playwright: Any, base: str, errors: list[str]) -> tuple[Any, Any]:
    """Chromium and a page that may reach the hub alone; errors collected."""
    host = urlsplit(base).netloc
    browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page.set_default_timeout(30_000)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.route(
        "**/*",
        lambda route: route.continue_() if urlsplit(route.request.url).netloc == host else route.abort(),
    )
    return browser, page


def sign_in(page: Any, base: str, key: str) -> None:
    page.goto(f"{base}/review")
    page.fill("#key", key)
    page.press("#key", "Enter")
    page.locator("section.queue").wait_for()


@pytest.mark.integration
def test_a_steward_clears_100_items_with_the_keyboard(tmp_path: Path) -> None:
    sync_api = playwright_or_skip()
    with generated_district(tmp_path, ITEMS) as district:
        clear_the_queue(sync_api, district, tmp_path)


def clear_the_queue(sync_api: ModuleType, district: District, tmp_path: Path) -> None:
    planned = {pair.item: list(KEYS)[i % len(KEYS)] for i, pair in enumerate(district.pairs)}
    key = steward_key(district.settings, {"read", "steward"})
    decided: dict[int, Verdict] = {}
    skipped: set[int] = set()
    errors: list[str] = []
    with (
        serving(create_app(district.store, district.settings)) as base,
        sync_api.sync_playwright() as playwright,
    ):
        browser, page = browser_page(sync_api, playwright, base, errors)
        try:
            sign_in(page, base, key)
            started = time.monotonic()
            page.keyboard.press("n")  # the queue's first item
            while len(decided) < ITEMS:
                article = page.locator("article.item")
                article.wait_for()
                item = int(article.get_attribute("data-item") or 0)
                # The resolver's own candidates are not part of the drill: "n" passes them.
                pressed = planned.get(item, "n")
                if item in decided or (pressed == "n" and item in skipped):
                    raise AssertionError(
                        f"item {item} came back after it was {decided.get(item) or 'skipped'}"
                    )
                page.keyboard.press(pressed)
                if pressed == "n":
                    skipped.add(item)
                else:
                    decided[item] = KEYS[pressed]
                page.wait_for_function(
                    "(id) => { const a = document.querySelector('article.item');"
                    " return (a && a.dataset.item !== String(id)) || document.querySelector('section.queue'); }",
                    arg=item,
                )
            elapsed = time.monotonic() - started
            page.locator("article.item, section.queue").first.wait_for()
            page.screenshot(path=str(tmp_path / "cleared.png"))
        finally:
            browser.close()
    print(f"\n{ITEMS} items cleared with the keyboard in {elapsed:.1f} s ({elapsed / ITEMS:.2f} s an item)")
    assert errors == []
    assert decided.keys() == planned.keys()

    # Every decision landed: a judgement in the steward's name answering the item, and for
    # "same" the two entities one in the graph (the other merged away, its records moved over).
    store = district.store
    with StateStore(district.settings.state_database_url) as state:
        standing = {j.review_item: j for j in state.judgement_history(limit=1_000) if j.steward == STEWARD}
        open_items = {i["id"] for i in state.review_queue(limit=10_000)}
        for pair in district.pairs:
            judgement = standing[pair.item]
            assert judgement.verdict is decided[pair.item], pair
            assert judgement.revoked_at is None
            assert pair.item not in open_items
            left, right = state.resolve_alias(pair.left), state.resolve_alias(pair.right)
            if judgement.verdict is Verdict.SAME:
                assert left == right, f"{pair} was not merged"
                gone = pair.right if left == pair.left else pair.left
                assert store.get_node("Person", gone) is None
                records = store.neighbourhood("Person", left, rel_types=["FROM_RECORD"])
                assert records is not None
                ids = {e.node.id for e in records.edges}
                for mention in (pair.left_mention, pair.right_mention):
                    assert mention.rsplit(":", 1)[0] in ids
            else:
                assert left != right
                assert store.get_node("Person", pair.left) is not None
                assert store.get_node("Person", pair.right) is not None
        assert sum(1 for j in standing.values() if j.verdict is Verdict.SAME) == len(
            [p for p in planned.values() if p == "s"]
        )


@pytest.mark.integration
def test_a_steward_opens_an_entity_page_and_searches(tmp_path: Path) -> None:
    sync_api = playwright_or_skip()
    with generated_district(tmp_path, 1) as district:
        look_someone_up(sync_api, district, tmp_path)


def page_with_mentions(district: District, at_least: int) -> str:
    """A person the hub put together from ``at_least`` mentions of current records."""
    with StateStore(district.settings.state_database_url) as state:
        rows = state.mentions_matching(entity_type="Person")
    counts: dict[str, int] = {}
    for row in rows:
        counts[str(row["entity_id"])] = counts.get(str(row["entity_id"]), 0) + 1
    return next(entity for entity, n in sorted(counts.items()) if n >= at_least)


def look_someone_up(sync_api: ModuleType, district: District, tmp_path: Path) -> None:
    pair = district.pairs[0]
    person = district.store.get_node("Person", pair.left)
    assert person is not None
    name, idn = str(person.properties["name"]), str(person.properties["identity_number"])
    key = steward_key(district.settings, {"read", "steward"})  # no pii scope: numbers masked
    errors: list[str] = []
    with (
        serving(create_app(district.store, district.settings)) as base,
        sync_api.sync_playwright() as playwright,
    ):
        browser, page = browser_page(sync_api, playwright, base, errors)
        try:
            sign_in(page, base, key)
            # From a review item to the entity page: the record's entity is a link.
            page.goto(f"{base}/review#/item/{pair.item}")
            page.locator(f"article.item[data-item='{pair.item}']").wait_for()
            page.locator(f"section.records a.entity-link[href$='/{pair.left}']").first.click()
            entity = page.locator(f"article.entity[data-entity='Person/{pair.left}']")
            entity.wait_for()
            assert name in entity.locator("h2").inner_text()
            # Values masked without the pii scope, here and in the raw rows.
            shown_idn = entity.locator("table.properties tr[data-field='identity_number'] td").inner_text()
            assert shown_idn == f"{idn[:4]}{'*' * 10}{idn[-4:]}"
            assert idn not in entity.inner_text()
            # Source records with their department, lineage, the setup's revoked judgement.
            assert entity.locator("section.source-records tbody tr").count() >= 1
            assert entity.locator("section.lineage tr[data-field='name'] li.golden").count() >= 1
            assert entity.locator("section.decisions tr.revoked").count() >= 1
            # The neighbourhood picture: the person, its address, the building and grid.
            graph = entity.locator("svg.graph")
            assert graph.locator("g.node.hop0").count() == 1
            for label in ("Address", "Building", "Grid"):
                assert graph.locator(f"g.node.type-{label}").count() >= 1, label
            page.screenshot(path=str(tmp_path / "entity.png"), full_page=True)
            # A neighbour opens its own page.
            graph.locator("a g.node.type-Address circle").first.click()
            page.locator("article.entity[data-entity^='Address/']").wait_for()

            # Search by a homophone of the name, then by the ID number as people type it.
            page.keyboard.press("/")
            page.locator("#search-q").wait_for()
            page.fill("#search-q", name)
            page.press("#search-q", "Enter")
            hit = page.locator(f"table.hits tr[data-entity='Person/{pair.left}']")
            hit.wait_for()
            assert "姓名" in hit.inner_text()
            spaced = f"{idn[:6]} {idn[6:14]} {idn[14:].lower()}"
            page.fill("#search-q", spaced)
            page.select_option("#search-kind", "id")
            page.press("#search-q", "Enter")
            page.wait_for_function("() => location.hash.endsWith('/id')")
            found = page.locator(f"table.hits tr[data-entity='Person/{pair.left}']")
            found.wait_for()  # by the number normalised (the pair's other half holds it too)
            rows = page.locator("table.hits tbody tr")
            assert all("号码" in text for text in rows.all_inner_texts())
            assert idn not in page.locator("table.hits").inner_text()  # masked in the results too
            found.click()
            page.locator(f"article.entity[data-entity='Person/{pair.left}']").wait_for()

            # Split a cluster on its page: tick a record that is not this person, split it off.
            many = page_with_mentions(district, 2)
            page.goto(f"{base}/review#/entity/Person/{many}")
            entity = page.locator(f"article.entity[data-entity='Person/{many}']")
            entity.wait_for()
            boxes = entity.locator("input.split-pick")
            before = boxes.count()
            assert before >= 2
            moved = boxes.last.get_attribute("value")
            boxes.last.check()
            page.fill("#split-reason", "不是同一人")
            page.click("#split-off")
            page.wait_for_function(
                "() => document.getElementById('status').textContent.includes('moved out of')"
            )
            page.wait_for_function(f"() => document.querySelectorAll('input.split-pick').length < {before}")
            assert moved not in [b.get_attribute("value") for b in page.locator("input.split-pick").all()]
        finally:
            browser.close()
    assert errors == []
    # Every view is in the audit log, the entity page's with the person in it.
    with StateStore(district.settings.state_database_url) as state:
        entries = state.audit_entries(limit=1_000)
    operations = {e.operation.split("/")[2] for e in entries if e.operation.startswith("GET /steward/")}
    assert {"entities", "search", "items", "review"} <= operations
    assert any(
        e.operation.startswith("GET /steward/entities/Person/") and pair.left in e.entity_ids for e in entries
    )
