"""The per-request GraphQL context: the store, the model, the caller, loaders and the audit trail."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import strawberry
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from graph_schema import Schema
from hub.api.security.principal import PII_SCOPE, Principal
from hub.api.security.rate_limit import RateLimiter
from hub.store import GraphStore

T = TypeVar("T")

# Resolves an entity id merged away to the id of its survivor (None: not an alias).
AliasResolver = Callable[[str], str | None]


@dataclass(eq=False)
class RequestContext(BaseContext):
    """What every resolver gets as ``info.context``."""

    store: GraphStore
    schema: Schema
    principal: Principal
    today: dt.date = field(default_factory=dt.date.today)
    aliases: AliasResolver | None = None
    search: Any = None  # hub.search.SearchService (or a function giving it) when the app has one
    # The current mentions of entities, by entity id (value lineage); None: not available.
    mentions: Callable[[list[str]], dict[str, list[dict[str, Any]]]] | None = None
    # The ids merged away into entities, by survivor id (``mergedIds``); None: not available.
    merged: Callable[[list[str]], dict[str, list[str]]] | None = None
    # DataLoaders by what they load (a relationship end with its arguments): created on first
    # use, so every parent asking the same thing in one tick shares one store query.
    loaders: dict[Hashable, DataLoader[Any, Any]] = field(default_factory=dict, repr=False)
    # What the response shows of each audited type: node ids, and the fields selected.
    returned: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set), repr=False)
    # What resolvers derive once per request from an argument every parent shares (the store
    # condition of a relationship field's where, hub/api/graphql/objects.py).
    converted_inputs: dict[Hashable, Any] = field(default_factory=dict, repr=False)
    selected_fields: dict[str, set[str]] = field(default_factory=dict, repr=False)
    round_trips: int = 0
    # Whole-value tests of masked properties this request made (label, property, value): audited
    # (the value is not), found or not, and bounded per caller by ``masked_tests`` (the app's
    # limiter; None: unbounded).
    masked_tested: set[tuple[str, str, str]] = field(default_factory=set, repr=False)
    masked_tests: RateLimiter | None = field(default=None, repr=False)
    # The request's execution (hub/api/graphql/execution.py, set by it): the selection and
    # arguments of fields below the current one, for resolvers that read ahead.
    selections: Any = field(default=None, repr=False)
    max_cost: int | None = None  # the cost limit (hub/api/cost.py); None: its default
    jobs: Any = None  # hub.api.jobs.JobRunner: runs the mutations' decisions; None: none taken
    intake: Any = None  # a function giving the app's hub.tasks.events.EventIntake (reportEvent)
    # Bounds the store calls running at once in this process (the app's; None: anyio's default
    # of 40 worker threads). See hub/api/app.py store_concurrency.
    store_limiter: anyio.CapacityLimiter | None = None

    def __post_init__(self) -> None:
        super().__init__()  # request/response slots, filled in by strawberry's FastAPI router

    @classmethod
    def create(cls, store: GraphStore, principal: Principal, **options: Any) -> RequestContext:
        return cls(store=store, schema=store.schema, principal=principal, **options)

    @property
    def can_read_pii(self) -> bool:
        return self.principal.has(PII_SCOPE)

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One store round trip, in a worker thread (the stores' drivers block). A request
        cancelled (its time limit) stops waiting at once; the store's own read timeout ends
        the query the thread is running."""
        self.round_trips += 1
        return await anyio.to_thread.run_sync(
            lambda: fn(*args, **kwargs), abandon_on_cancel=True, limiter=self.store_limiter
        )

    def loader(self, key: Hashable, load: Callable[[list[Any]], Any]) -> DataLoader[Any, Any]:
        found = self.loaders.get(key)
        if found is None:
            found = self.loaders[key] = DataLoader(load_fn=load)
        return found


# What resolvers declare as their `info` parameter, so that `info.context` is typed.
Info = strawberry.Info[RequestContext, None]
