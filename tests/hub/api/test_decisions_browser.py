"""Issue 16's decisions in the workbench, in Debian's Chromium (headless, Playwright, never a
downloaded browser): a steward picks the building of an address item, chooses the value of a
conflict, fixes a quarantined row and replays it, sees the decisions in the history, revokes the
pick, and skips the merge candidates in bulk after a preview — in Chinese, English on request.

Skipped where Chromium or Playwright is missing, unless CI=true: there it fails."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest

from hub.api.app import create_app
from hub.api.security.api_keys import ApiKeys
from hub.demo.generator import generate_district
from hub.demo.run import SOURCES_DIR, demo_sources
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources
from tests.hub.api.test_workbench_browser import playwright_or_skip, serving

STEWARD = "赵审核"


@pytest.mark.integration
def test_a_steward_picks_chooses_fixes_revokes_and_skips_in_bulk_in_the_browser(tmp_path: Path) -> None:
    sync_api = playwright_or_skip()
    generate_district(tmp_path / "demo", persons=400, seed=3)
    settings = Settings(
        data_dir=tmp_path, ladybug_buffer_pool_mb=512, api_rate_burst=100_000, sources_config_dir=SOURCES_DIR
    )
    with open_store(settings) as store:
        with StateStore(settings.state_database_url) as state:
            sync_sources(store, state, demo_sources(store.schema), settings)
            [address] = state.review_queue("address")
            conflict = state.review_queue("conflict")[0]
            merges = [i["id"] for i in state.review_queue("merge")]
            assert merges, "the demo district filed no merge candidate to skip"
            entry = next(e for e in state.quarantined() if "not a calendar date" in e.error and e.record_id)
            column = entry.error.split("(column '")[1].split("'")[0]
            key = ApiKeys(state).create(STEWARD, {"read", "pii", "steward"}, created_by="tests").key
        with serving(create_app(store, settings)) as base:
            decide_in_the_browser(
                sync_api,
                base,
                key,
                (address["id"], conflict["id"]),
                entry.id,
                column,
                tmp_path / "decisions.png",
            )
    with StateStore(settings.state_database_url) as state:
        [fixed] = state.decision_history("quarantine")
        [picked] = state.decision_history("address")
        [pin] = state.pin_history()
        assert (pin.review_item, pin.steward) == (conflict["id"], STEWARD)
        skipped = state.decision_history("skip")
        assert {d.review_item for d in skipped} == set(merges)
        assert state.review_queue("merge") == []
        assert (picked.kind, picked.review_item, picked.steward) == ("address", address["id"], STEWARD)
        assert picked.revoked_by == STEWARD  # revoked in the browser, kept in the history
        assert (fixed.kind, fixed.steward) == ("quarantine", STEWARD)
        assert fixed.value["row"][column] == "1990-02-28"
        replayed = state.quarantine_entry(entry.id)
        assert replayed is not None
        assert replayed.replayed_run == fixed.value["run"]
    assert (tmp_path / "decisions.png").stat().st_size > 10_000


def decide_in_the_browser(
    sync_api: ModuleType,
    base: str,
    key: str,
    items: tuple[int, int],
    entry: int,
    column: str,
    screenshot: Path,
) -> None:
    item, conflict = items
    host = urlsplit(base).netloc
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.set_default_timeout(30_000)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if urlsplit(route.request.url).netloc == host else route.abort()
                ),
            )
            page.goto(f"{base}/review")
            page.fill("#key", key)
            page.press("#key", "Enter")

            # The queue counts quarantined rows as a kind, in Chinese.
            page.locator("ul.counts li[data-kind='quarantine']").wait_for()
            assert "隔离数据" in page.locator("ul.counts li[data-kind='quarantine']").inner_text()
            # The toolbar narrows the queue: the address items alone by their entity type, then all again.
            page.locator(f"tr[data-kind='conflict'][data-item='{conflict}']").wait_for()
            page.locator("#filter-type").select_option("Address")
            page.locator(f"tr[data-kind='conflict'][data-item='{conflict}']").wait_for(state="detached")
            assert (
                page.locator("tr[data-item]").count() == page.locator("tr[data-kind='address']").count() >= 1
            )
            page.locator("#filter-type").select_option("")
            page.locator(f"tr[data-kind='conflict'][data-item='{conflict}']").wait_for()

            # The address item: search a building and pick it.
            page.locator(f"tr[data-kind='address'][data-item='{item}']").click()
            panel = page.locator(f"section.pick-building[data-item='{item}']")
            panel.wait_for()
            assert "选择楼栋" in panel.inner_text()
            panel.locator("input.pick-reason").fill("网格员上门核实")
            panel.locator("input.building-search").fill("栋")
            panel.locator("button.find").click()
            panel.locator("table.found button.pick").first.wait_for()
            page.screenshot(path=str(screenshot), full_page=True)
            panel.locator("table.found button.pick").first.click()
            page.wait_for_function(
                "() => document.querySelector('#status').textContent.includes('from now on')"
            )
            page.locator("section.queue").wait_for()
            assert page.locator(f"tr[data-kind='address'][data-item='{item}']").count() == 0

            # The conflict item: choose one of the sources' values.
            page.locator(f"tr[data-kind='conflict'][data-item='{conflict}']").click()
            choose = page.locator(f"section.choose-value[data-item='{conflict}']")
            choose.wait_for()
            assert "选定正确值" in choose.inner_text()
            choose.locator("input.choose-reason").fill("户籍底册")
            choose.locator("button.choose").first.click()
            page.wait_for_function("() => document.querySelector('#status').textContent.includes('chosen')")
            page.locator("section.queue").wait_for()
            assert page.locator(f"tr[data-kind='conflict'][data-item='{conflict}']").count() == 0

            # The quarantined row: correct the impossible date and replay it.
            page.click("nav a[href='#/quarantine']")
            page.locator(f"section.quarantine tr[data-entry='{entry}']").click()
            fix = page.locator(f"section.fix[data-entry='{entry}']")
            fix.wait_for()
            fix.locator(f"input[name='{column}']").fill("1990-02-28")
            fix.locator("input.fix-reason").fill("查原始登记表")
            fix.locator("button.replay").click()
            page.wait_for_function("() => document.querySelector('#status').textContent.includes('replayed')")
            page.locator("section.quarantine").wait_for()
            assert page.locator(f"section.quarantine tr[data-entry='{entry}']").count() == 0

            # The history has both; the pick is revoked from there.
            page.click("nav a[href='#/decisions']")
            rows = page.locator("section.decisions tbody tr")
            rows.first.wait_for()
            assert rows.count() == 2
            assert "地址别名" in page.locator("section.decisions").inner_text()
            picked = page.locator("section.decisions tbody tr", has_text="地址别名")
            picked.locator("button.revoke").click()
            page.locator("section.decisions tbody tr.revoked").wait_for()
            assert STEWARD in page.locator("section.decisions tbody tr.revoked").inner_text()

            # Every merge candidate skipped at once: previewed (count), then applied.
            page.click("nav a[href='#/bulk']")
            bulk = page.locator("section.bulk")
            bulk.locator("select[name='verdict']").select_option("skip")
            bulk.locator("select[name='kind']").select_option("merge")
            bulk.locator("button.preview").click()
            bulk.locator("p.count").wait_for()
            assert "将处理" in bulk.locator("p.count").inner_text()
            bulk.locator("button.apply").click()
            page.wait_for_function(
                "() => document.querySelector('#status').textContent.includes('bulk skip')"
            )

            # English on request, for this module's texts too.
            page.click("#lang")
            page.wait_for_function("() => document.documentElement.lang === 'en'")
            page.click("nav a[href='#/decisions']")
            page.wait_for_function(
                "() => document.querySelector('section.decisions')?.innerText.includes('Address alias')"
            )
            assert page.locator("nav a[href='#/bulk']").inner_text() == "Bulk"
        finally:
            browser.close()
    assert errors == []
