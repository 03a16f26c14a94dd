"""Search fields of the root Query: people and companies by name, free-text addresses.

The work is the resolver's (hub/search: its normalisers, blocking keys, comparators and the
address matcher); these fields fetch the entities found, in one store round trip, and say why
each was found. A caller restricted to some streets sees only hits placed there.
"""

from __future__ import annotations

from inspect import Parameter, Signature
from typing import Any

import strawberry

from graph_schema import Schema
from hub.api.context import Info, RequestContext
from hub.api.errors import FORBIDDEN, ApiError
from hub.api.graphql.names import plural
from hub.api.graphql.objects import NodeObjects, check_readable, restricted
from hub.api.graphql.prefetch import Prefetch
from hub.store import Node
from hub.store.errors import SchemaMismatch
from hub.store.query import Compare, Op, place_path_to

MAX_HITS = 100
# The longest name or address text searched: a search's keys grow with the square of the text
# (every one-character deletion), so a 30,000-letter "name" would hold a worker for seconds.
# The longest registered company names are under 60 characters, addresses under 100.
MAX_NAME = 100
MAX_ADDRESS = 200
# Which search of hub/search serves the types with this linking preset.
_NAME_SEARCHES = {"person": "persons", "legal_entity": "companies"}


def _service(ctx: RequestContext) -> Any:
    if ctx.search is None:
        raise ApiError("search is not available on this server", code="SERVICE_UNAVAILABLE")
    return ctx.search() if callable(ctx.search) else ctx.search


async def _visible(ctx: RequestContext, label: str, ids: list[str]) -> dict[str, Node]:
    """The nodes among ``ids`` the caller may see (one store round trip)."""
    if not ids:
        return {}
    test = restricted(ctx, label, Compare(ctx.schema.id_property, Op.IN, tuple(ids)))
    found: list[Node] = await ctx.call(ctx.store.find, label, test, (), 0, len(ids))
    return {n.id: n for n in found}


def _check_limit(first: int) -> None:
    if not 1 <= first <= MAX_HITS:
        raise ApiError(f"first must be between 1 and {MAX_HITS}, got {first}")


def _check_text(argument: str, text: str, longest: int) -> None:
    if not text.strip():
        raise ApiError(f"{argument}: give something to search for")
    if len(text) > longest:
        raise ApiError(f"{argument}: at most {longest} characters are searched, got {len(text)}")


class SearchFields:
    def __init__(self, schema: Schema, objects: NodeObjects) -> None:
        self.schema = schema
        self.objects = objects
        self.prefetch = Prefetch(objects)

    def namespace(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for node in self.schema.node_types:
            kind = _NAME_SEARCHES.get(node.resolver or "")
            if kind is not None:
                fields[f"search{plural(node.name)}"] = self._name_field(node.name, kind)
        fields["searchAddresses"] = self._address_field()
        return fields

    async def _found(self, ctx: RequestContext, info: Info, label: str, ids: list[str]) -> dict[str, Node]:
        """The nodes among ``ids`` the caller may see, with the relationships the request
        selects below them where the store reads those in the same query (prefetch.py)."""
        if not ids:
            return {}
        test = restricted(ctx, label, Compare(ctx.schema.id_property, Op.IN, tuple(ids)))
        fields = self.objects.fields_for(ctx, label)
        found, _ = await self.prefetch.find(ctx, info, label, test, (), 0, len(ids), fields)
        return {n.id: n for n in found}

    async def _check_community(self, ctx: RequestContext, label: str, community: str) -> None:
        """Filtering by community tells where the hits live: the caller must be able to read the
        places on the way there, as a `where` through them would need, and a restricted caller
        may name only a community of its own (else the filter would tell that a resident of its
        street also lives in another)."""
        level = ctx.schema.roles.address_levels[-2]
        try:
            steps = place_path_to(ctx.schema, label, level)
        except SchemaMismatch as exc:
            raise ApiError(f"communityId: {label} cannot be placed in a community") from exc
        check_readable(ctx, [step.label for step in steps])
        if ctx.principal.restricted and not await _visible(ctx, level, [community]):
            raise ApiError(
                f"communityId: {community} is not among this caller's streets and communities",
                code=FORBIDDEN,
            )

    def _hit_type(self, label: str) -> type:
        name = f"{label}SearchHit"
        namespace: dict[str, Any] = {
            "__module__": __name__,
            "__annotations__": {"node": self.objects.classes[label], "score": float, "reasons": list[str]},
            "node": strawberry.field(description="The entity found."),
            "score": strawberry.field(description="How well it fits, 0 to 1 (1: the name itself)."),
            "reasons": strawberry.field(description="Why it was found: the comparators' explanations."),
        }
        return strawberry.type(type(name, (), namespace), name=name)

    def _name_field(self, label: str, kind: str) -> Any:
        hit_type = self._hit_type(label)
        person = kind == "persons"

        async def resolve(
            info: Info,
            name: str,
            birth_year: int | None = None,
            gender: str | None = None,
            community_id: strawberry.ID | None = None,
            first: int = 10,
        ) -> list[Any]:
            ctx = info.context
            check_readable(ctx, [label])
            _check_limit(first)
            _check_text("name", name, MAX_NAME)
            community = str(community_id) if community_id else None
            if community is not None:
                await self._check_community(ctx, label, community)
            service = _service(ctx)
            try:
                if person:
                    hits = await ctx.call(service.persons, name, birth_year, gender, community, first)
                else:
                    hits = await ctx.call(service.companies, name, community, first)
            except ValueError as exc:  # the search's own check of its arguments (a gender it cannot read)
                raise ApiError(str(exc)) from exc
            nodes = await self._found(ctx, info, label, [h.entity_id for h in hits])
            return [
                hit_type(
                    node=self.objects.to_object(nodes[h.entity_id], ctx), score=h.score, reasons=h.reasons
                )
                for h in hits
                if h.entity_id in nodes
            ]

        params = [
            Parameter("info", Parameter.KEYWORD_ONLY, annotation=Info),
            Parameter("name", Parameter.KEYWORD_ONLY, annotation=str),
        ]
        if person:
            params += [
                Parameter("birth_year", Parameter.KEYWORD_ONLY, annotation=int | None, default=None),
                Parameter("gender", Parameter.KEYWORD_ONLY, annotation=str | None, default=None),
            ]
        params += [
            Parameter("community_id", Parameter.KEYWORD_ONLY, annotation=strawberry.ID | None, default=None),
            Parameter("first", Parameter.KEYWORD_ONLY, annotation=int, default=10),
        ]
        resolve.__signature__ = Signature(params, return_annotation=list[hit_type])  # type: ignore[attr-defined, valid-type]
        extra = ", optionally born in `birthYear`, of `gender`," if person else ""
        return strawberry.field(
            resolver=resolve,
            description=(
                f"{label} entities by name — homophones, traditional characters and typos forgiven"
                f"{extra} in the community `communityId`; best first, with reasons."
            ),
        )

    def _address_field(self) -> Any:
        roles = self.schema.roles
        address_cls = self.objects.classes[roles.standard_address]
        building_cls = self.objects.classes[roles.building]
        namespace: dict[str, Any] = {
            "__module__": __name__,
            "__annotations__": {
                "address": address_cls | None,
                "building": building_cls | None,
                "score": float,
                "outcome": str,
                "reasons": list[str],
            },
            "address": strawberry.field(description="The standard address (room), when the text names one."),
            "building": strawberry.field(description="The building the text denotes."),
            "score": strawberry.field(description="How well it fits, 0 to 1."),
            "outcome": strawberry.field(
                description="exact (the room), partial (the building), ambiguous, unknown, or alternative."
            ),
            "reasons": strawberry.field(description="The matcher's reasons."),
        }
        hit_type = strawberry.type(type("AddressSearchHit", (), namespace), name="AddressSearchHit")

        async def resolve(info: Info, text: str, first: int = 5) -> list[Any]:
            ctx = info.context
            check_readable(ctx, [roles.standard_address, roles.building])
            _check_limit(first)
            _check_text("text", text, MAX_ADDRESS)
            hits = await ctx.call(_service(ctx).addresses, text, first)
            addresses = await _visible(
                ctx, roles.standard_address, [h.address_id for h in hits if h.address_id]
            )
            buildings = await _visible(ctx, roles.building, [h.building_id for h in hits if h.building_id])
            out = []
            for h in hits:
                if h.building_id is not None and h.building_id not in buildings:
                    continue  # placed where the caller may not look
                address = addresses.get(h.address_id) if h.address_id else None
                building = buildings.get(h.building_id) if h.building_id else None
                out.append(
                    hit_type(
                        address=self.objects.to_object(address, ctx) if address else None,
                        building=self.objects.to_object(building, ctx) if building else None,
                        score=h.score,
                        outcome=h.outcome,
                        reasons=h.reasons,
                    )
                )
            return out

        resolve.__annotations__["return"] = list[hit_type]  # type: ignore[valid-type]
        return strawberry.field(
            resolver=resolve,
            description="The standard address and building a free-text address denotes (the resolver's matcher).",
        )
