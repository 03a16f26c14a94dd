"""The workbench's identifier search tests the query against every identifier, identity numbers
included: a steward without the pii scope has those tests counted against the budget GraphQL's
lookups use (api_masked_tests_per_min), per caller, and is refused past it (429, Retry-After).
Without the count, a masked number and the birth date beside it give the number away in about a
hundred searches (4403NN19900101…: two digits to guess)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.api.security.errors import RATE_LIMITED, RequestRejected
from hub.api.security.principal import Principal
from hub.api.security.rate_limit import RateLimiter
from hub.api.workbench.search import search
from hub.search import SearchService
from hub.settings import Settings
from hub.store import GraphStore
from tests.hub.api.conftest import IDENTITY_NUMBER, USCC, api_key_headers

STEWARD = Principal(name="steward", scopes=frozenset({"read", "steward"}), key_id="k-steward")
# An identifier search never asks the name search service.
NO_NAME_SEARCH = cast(SearchService, None)


def _candidates(known: str, count: int) -> list[str]:
    """The two district digits the mask hides (4403NN…), the true one among them."""
    return [known[:4] + f"{n:02d}" + known[6:] for n in range(count)]


def _find(store: GraphStore, q: str, budget: RateLimiter, *, show_pii: bool = False) -> list[str]:
    hits = search(store, NO_NAME_SEARCH, STEWARD, q, "id", 20, show_pii=show_pii, masked_tests=budget)
    return [hit["id"] for hit in hits]


def test_identifier_searches_without_pii_are_bounded(district: GraphStore) -> None:
    budget = RateLimiter(6 / 60.0, 6)
    guesses = _candidates(IDENTITY_NUMBER, 6)
    found = [_find(district, guess, budget) for guess in guesses[:5]]
    assert found == [[], [], [], [], ["P1"]]  # 4403 04 …: found on the fifth guess
    assert _find(district, USCC, budget) == ["L1"]  # tested against the identity numbers too
    with pytest.raises(RequestRejected) as refused:
        _find(district, guesses[5], budget)
    assert (refused.value.status_code, refused.value.code) == (429, RATE_LIMITED)
    assert "Person.identity_number is masked for this caller: at most 6" in refused.value.message
    assert guesses[5] not in refused.value.message
    assert refused.value.headers is not None
    assert int(refused.value.headers["Retry-After"]) >= 1
    # Another caller has its own budget.
    other = Principal(name="other", scopes=STEWARD.scopes, key_id="k-other")
    assert search(
        district, NO_NAME_SEARCH, other, IDENTITY_NUMBER, "auto", 20, show_pii=False, masked_tests=budget
    )


def test_the_budget_is_shared_with_graphql_and_spares_pii_holders(district: GraphStore) -> None:
    budget = RateLimiter(3 / 60.0, 3)
    for _ in range(3):  # what GraphQL's guard spends for the same caller (hub/api/graphql/guard.py)
        assert budget.acquire(STEWARD.key_id or STEWARD.audit_name) is None
    with pytest.raises(RequestRejected):
        _find(district, IDENTITY_NUMBER, budget)
    # `auto` reads an identifier-shaped query as an identifier: counted as well.
    with pytest.raises(RequestRejected):
        search(
            district,
            NO_NAME_SEARCH,
            STEWARD,
            IDENTITY_NUMBER,
            "auto",
            20,
            show_pii=False,
            masked_tests=budget,
        )
    # With the pii scope the values are shown anyway: nothing to guess, nothing counted.
    assert _find(district, IDENTITY_NUMBER, budget, show_pii=True) == ["P1"]


def test_the_search_route_shares_the_graphql_budget(district: GraphStore, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "api", api_rate_burst=100_000, api_masked_tests_per_min=5)
    steward = api_key_headers(settings, {"read", "steward"}, name="steward")
    guesses = _candidates(IDENTITY_NUMBER, 6)
    with TestClient(create_app(district, settings), headers=steward) as client:
        lookups = " ".join(f'l{i}: person(identityNumber: "{g}") {{ id }}' for i, g in enumerate(guesses[:3]))
        assert "errors" not in client.post("/graphql", json={"query": f"{{ {lookups} }}"}).json()
        for guess in guesses[3:5]:
            assert client.get("/steward/search", params={"q": guess, "kind": "id"}).status_code == 200
        refused = client.get("/steward/search", params={"q": guesses[5], "kind": "id"})
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        [error] = refused.json()["errors"]
        assert error["extensions"]["code"] == RATE_LIMITED
        assert guesses[5] not in refused.text
        # And GraphQL is refused now too: one budget per caller.
        body = client.post(
            "/graphql", json={"query": f'{{ person(identityNumber: "{guesses[5]}") {{ id }} }}'}
        )
        assert [e["extensions"]["code"] for e in body.json()["errors"]] == [RATE_LIMITED]
        # A steward with the pii scope is not counted.
        holder = api_key_headers(settings, {"read", "pii", "steward"}, name="holder")
        for guess in guesses:
            assert (
                client.get("/steward/search", params={"q": guess, "kind": "id"}, headers=holder).status_code
                == 200
            )
