"""Search in the workbench: by name (the resolver's name search of hub/search: homophones,
traditional characters, slips), by an identifier (normalised by the schema's normaliser for the
property, so ``44030419900101001x`` finds ``…001X``), or by address text (the resolver's
address matcher). Each hit names the node to open, how it was found and why.

``auto`` (the default) reads an identifier-shaped query (letters and digits, at least six
digits, no Chinese) as an identifier and anything else as a name; a query with an address's
marks (路, 号, 栋 …) is looked up as an address too.

A steward without the pii scope sees identity numbers masked (``4403**********3149``); beside the
birth date it may read, that leaves two digits to guess. An identifier search is a whole-value test
of every identifier property: those of masked properties are counted against the same budget per
caller as GraphQL's lookups and ``eq`` tests (hub/api/graphql/guard.py, the app's limiter of
``api_masked_tests_per_min``), and refused past it (429 RATE_LIMITED, with Retry-After).
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, Literal

from graph_schema import PropertyDef, Schema
from hub.api.masking import mask_pii
from hub.api.security.errors import RATE_LIMITED, RequestRejected
from hub.api.security.principal import Principal
from hub.api.security.rate_limit import RateLimiter, retry_after
from hub.api.workbench.entity import caption
from hub.api.workbench.scope import visible_ids
from hub.search import SearchService
from hub.search.service import COMPANY, PERSON
from hub.store import GraphStore, Node
from resolvers.normalize.base import get_normalizer

Kind = Literal["auto", "name", "id", "address"]
KINDS: tuple[str, ...] = ("auto", "name", "id", "address")
_ID_SHAPED = re.compile(r"^[0-9A-Za-z\-]+$")
_ADDRESS_MARKS = re.compile(r"[路街道巷弄号栋幢楼室单元村苑园城区]")
# What a person or company is shown with beside its name, when it has it.
_DETAILS = ("identity_number", "birth_date", "gender", "uscc", "status", "address_code")


def classify(query: str) -> list[str]:
    """The searches ``auto`` runs for ``query``."""
    compact = unicodedata.normalize("NFKC", query).replace(" ", "")
    if _ID_SHAPED.match(compact) and sum(ch.isdigit() for ch in compact) >= 6:
        return ["id"]
    return ["name", "address"] if _ADDRESS_MARKS.search(compact) else ["name"]


def _hit(
    schema: Schema, node: Node, how: str, score: float, reasons: list[str], show_pii: bool
) -> dict[str, Any]:
    node_type = schema.node(node.label)
    pii = {p.name for p in node_type.properties if p.pii}
    details = {}
    for name in _DETAILS:
        value = node.properties.get(name)
        if value is not None:
            details[name] = mask_pii(str(value)) if name in pii and not show_pii else str(value)
    return {"label": node.label, "id": node.id, "caption": caption(node), "how": how,
            "score": round(score, 3), "reasons": reasons, "details": details}  # fmt: skip


def _note_masked_test(masked_tests: RateLimiter | None, principal: Principal, label: str, prop: str) -> None:
    """Count one whole-value test of a masked property against the caller's budget (the key
    GraphQL's guard counts it under); past it, refuse the search (429, Retry-After)."""
    if masked_tests is None:
        return
    wait = masked_tests.acquire(principal.key_id or principal.audit_name)
    if wait is not None:
        raise RequestRejected(
            429,
            RATE_LIMITED,
            f"{label}.{prop} is masked for this caller: at most {masked_tests.burst} lookups or tests "
            f"of masked values a minute without the pii scope; retry in {math.ceil(wait)} s",
            {"Retry-After": retry_after(wait)},
        )


def _by_identifier(
    store: GraphStore,
    principal: Principal,
    query: str,
    limit: int,
    show_pii: bool,
    masked_tests: RateLimiter | None = None,
) -> list[tuple[Node, list[str]]]:
    """Nodes whose identifier property holds the query, normalised as that property's values
    are (each property its own normaliser; the query as typed where it has none). Without the
    pii scope, each masked property tested is counted first (:func:`_note_masked_test`)."""
    tests: list[tuple[str, PropertyDef, str, str | None]] = []
    for node_type in store.schema.node_types:
        for prop in node_type.identifiers:
            value, problem = query.strip(), None
            if prop.normalizer:
                normalised = get_normalizer(prop.normalizer)(value)
                value, problem = normalised.value, normalised.problem
            tests.append((node_type.name, prop, value, problem))
    # Every test is counted before any is made: a refused search has learnt nothing.
    for label, prop, _, _ in tests:
        if prop.pii and not show_pii:
            _note_masked_test(masked_tests, principal, label, prop.name)
    found: list[tuple[Node, list[str]]] = []
    for label, prop, value, problem in tests:
        # The reason repeats the number looked for: masked as the values are.
        said = mask_pii(value) if prop.pii and not show_pii else value
        note = f"{prop.name} = {said}" + (f" ({problem})" if problem else "")
        for node in store.find_nodes(label, prop.name, value, limit):
            found.append((node, [note]))
    return found[:limit]


def search(
    store: GraphStore, service: SearchService, principal: Principal, query: str, kind: Kind, limit: int,
    *, show_pii: bool, masked_tests: RateLimiter | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Hits for ``query``, best first within each search; those outside a restricted steward's
    streets are left out. ``masked_tests``: the app's budget of tests of masked values per
    caller (shared with GraphQL); None: unbounded."""
    schema = store.schema
    searches = classify(query) if kind == "auto" else [kind]
    hits: list[tuple[Node, str, float, list[str]]] = []
    if "id" in searches:
        hits += [
            (node, "id", 1.0, notes)
            for node, notes in _by_identifier(store, principal, query, limit, show_pii, masked_tests)
        ]
    if "name" in searches:
        for label, found in ((PERSON, service.persons(query, limit=limit)),
                             (COMPANY, service.companies(query, limit=limit))):  # fmt: skip
            nodes = store.get_nodes(label, [h.entity_id for h in found])
            hits += [(nodes[h.entity_id], "name", h.score, h.reasons) for h in found if h.entity_id in nodes]
    if "address" in searches:
        roles = schema.roles
        for address_hit in service.addresses(query, limit):
            # The room when the text names one, else the building; an unknown text has neither.
            label, node_id = (
                (roles.standard_address, address_hit.address_id)
                if address_hit.address_id
                else (roles.building, address_hit.building_id)
            )
            if node_id is None:
                continue
            node = store.get_node(label, node_id)
            if node is not None:
                reasons = [address_hit.outcome, *address_hit.reasons]
                hits.append((node, "address", address_hit.score, reasons))
    by_label: dict[str, set[str]] = {}
    for node, *_ in hits:
        by_label.setdefault(node.label, set()).add(node.id)
    seen = {(label, i) for label, ids in by_label.items() for i in visible_ids(store, principal, label, ids)}
    out: list[dict[str, Any]] = []
    taken: set[tuple[str, str]] = set()
    for node, how, score, reasons in hits:
        key = (node.label, node.id)
        if key in seen and key not in taken:
            taken.add(key)
            out.append(_hit(schema, node, how, score, reasons, show_pii))
    return out
