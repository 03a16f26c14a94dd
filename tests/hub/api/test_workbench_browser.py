"""The review workbench in Debian's Chromium (headless, driven by Playwright; never a downloaded
browser): a steward opens /review on a demo district, enters the key, opens a merge candidate,
decides it with the keyboard, and the judgement is recorded in the steward's name.

Skipped where Chromium or Playwright is missing, unless CI=true: there it fails."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI

from hub.api.app import create_app
from hub.api.security.api_keys import ApiKeys
from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.settings import Settings
from hub.state import StateStore, Verdict
from hub.store import open_store
from hub.sync import sync_sources

STEWARD = "李审核"


def playwright_or_skip() -> ModuleType:
    """playwright.sync_api, when it and Chromium are installed; else skip (fail under CI=true)."""
    missing = None
    if shutil.which("chromium") is None:
        missing = "Chromium is not installed (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api as sync_api
        except ImportError:
            missing = "Playwright is not installed (pip install playwright; no browser download needed)"
    if missing is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}: CI runs the browser tests")
        pytest.skip(missing)
    return sync_api


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a free local port, in a thread; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before it started"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.mark.integration
def test_a_steward_decides_a_merge_candidate_with_the_keyboard(tmp_path: Path) -> None:
    sync_api = playwright_or_skip()
    generate_district(tmp_path / "demo", persons=400, seed=3)
    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=512, api_rate_burst=100_000)
    with open_store(settings) as store:
        with StateStore(settings.state_database_url) as state:
            sync_sources(store, state, demo_sources(store.schema), settings)
            assert state.review_queue("merge"), "the demo district filed no merge candidate to decide"
            key = ApiKeys(state).create(STEWARD, {"read", "pii", "steward"}, created_by="tests").key
        with serving(create_app(store, settings)) as base:
            item = decide_in_the_browser(sync_api, base, key, tmp_path / "workbench.png")
    with StateStore(settings.state_database_url) as state:
        [judgement] = state.judgement_history()
        assert judgement.review_item == item
        assert judgement.verdict is Verdict.DIFFERENT
        assert judgement.steward == STEWARD
        assert all(i["id"] != item for i in state.review_queue())
    assert (tmp_path / "workbench.png").stat().st_size > 10_000


def decide_in_the_browser(sync_api: ModuleType, base: str, key: str, screenshot: Path) -> int:
    """Goes through the workbench as a steward would; returns the item decided."""
    host = urlsplit(base).netloc
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.set_default_timeout(30_000)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            # Anything bound for another host fails, as it would on the district's network.
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if urlsplit(route.request.url).netloc == host else route.abort()
                ),
            )
            page.goto(f"{base}/review")
            page.fill("#key", "ghk_not-a-key")
            page.press("#key", "Enter")
            page.locator("form.login p.error").wait_for()  # refused, asked again
            page.fill("#key", key)
            page.press("#key", "Enter")
            # The queue, with the counts per kind and the schema's Chinese labels.
            row = page.locator("tr[data-kind='merge']").first
            row.wait_for()
            item = int(row.get_attribute("data-item") or 0)
            merges = int(page.locator("ul.counts li[data-kind='merge'] b").inner_text())
            assert "合并候选" in page.locator("section.queue").inner_text()
            assert "人员" in row.inner_text()
            assert page.evaluate("() => sessionStorage.length") == 1
            assert page.evaluate("() => document.cookie") == ""

            # The item: both records side by side, what differs highlighted, the explanation.
            row.click()
            page.locator(f"article.item[data-item='{item}']").wait_for()
            page.locator("section.explanation tr[data-field]").first.wait_for()
            records = page.locator("section.records").inner_text()
            assert "姓名" in records
            assert "出生日期" in records
            assert page.locator("section.records tr.differs").count() > 0
            assert "The dates are the same" in page.locator("section.explanation").inner_text()
            page.screenshot(path=str(screenshot), full_page=True)

            # "d": different. The item leaves the queue and the next one opens.
            page.keyboard.press("d")
            page.wait_for_function(
                f"() => !document.querySelector(\"article.item[data-item='{item}']\")"
                " && document.querySelector('main > *')"
            )
            page.wait_for_function(
                "() => document.querySelector('#status').textContent.includes('judgement')"
            )
            page.click("nav a[href='#/queue']")
            page.locator("section.queue").wait_for()
            assert page.locator(f"tr[data-item='{item}']").count() == 0
            assert int(page.locator("ul.counts li[data-kind='merge'] b").inner_text()) == merges - 1

            # The history has the judgement, in the steward's name.
            page.click("nav a[href='#/history']")
            judged = page.locator("section.history tbody tr").first
            judged.wait_for()
            assert STEWARD in judged.inner_text()
            assert "不同对象" in judged.inner_text()

            # English on request.
            page.click("#lang")
            page.locator("section.history").wait_for()
            page.wait_for_function("() => document.documentElement.lang === 'en'")
            # The labels switch at once; the view is drawn again when its data is back.
            page.wait_for_function(
                "() => document.querySelector('section.history tbody tr')?.innerText.includes('Different')"
            )
        finally:
            browser.close()
    # Chromium logs the refusal of the wrong key as a failed resource; nothing else may fail.
    assert [e for e in errors if "401 (Unauthorized)" not in e] == []
    return item
