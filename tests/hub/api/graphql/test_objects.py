"""A relationship's page already in its loader is used at once, without a coroutine."""

from __future__ import annotations

import asyncio
import inspect

from strawberry.dataloader import DataLoader

from hub.api.graphql.objects import after_load
from hub.store.query import RelatedPage


def test_a_primed_page_is_used_at_once_and_a_missing_one_is_loaded() -> None:
    async def scenario() -> None:
        asked: list[list[str]] = []

        async def load(keys: list[str]) -> list[RelatedPage]:
            asked.append(keys)
            return [RelatedPage(total=len(k), edges=[]) for k in keys]

        loader: DataLoader[str, RelatedPage] = DataLoader(load_fn=load)
        loader.prime("a", RelatedPage(total=7, edges=[]))
        assert after_load(loader, "a", lambda page: page.total) == 7  # a value, not an awaitable
        later = after_load(loader, "bbb", lambda page: page.total)
        assert inspect.isawaitable(later)
        assert await later == 3
        assert asked == [["bbb"]]
        # Loaded once, the page is then at hand too.
        assert after_load(loader, "bbb", lambda page: page.total * 2) == 6

    asyncio.run(scenario())
