"""The ends of relationships as fields of node types.

``field`` in relationships.yaml names the field on the source types (outgoing edges),
``inverse`` the one on the target types (incoming edges). An end is single-valued when the
relationship's cardinality says so (an address's ``building``, a person's ``mother``).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_schema import RelType, Schema


@dataclass(frozen=True, slots=True)
class RelationshipEnd:
    rel: RelType
    field: str
    outgoing: bool  # the field's own type is a source of the relationship

    @property
    def far_labels(self) -> tuple[str, ...]:
        """The node types this field can return."""
        return self.rel.targets if self.outgoing else self.rel.sources

    @property
    def far_label(self) -> str | None:
        """The one node type this field returns, or None when it may return several."""
        labels = self.far_labels
        return labels[0] if len(labels) == 1 else None

    @property
    def single(self) -> bool:
        return self.rel.one_target if self.outgoing else self.rel.one_source

    @property
    def has_aggregate(self) -> bool:
        """To-many ends to one type have an aggregate beside their connection (an object field
        ``licensesAggregate`` and a where field of the same name)."""
        return not self.single and self.far_label is not None

    @property
    def aggregate_field(self) -> str:
        return f"{self.field}Aggregate"


def relationship_ends(schema: Schema, label: str) -> list[RelationshipEnd]:
    ends = [RelationshipEnd(rel, rel.field, True) for rel in schema.rels_from(label) if rel.field]
    ends += [RelationshipEnd(rel, rel.inverse, False) for rel in schema.rels_to(label) if rel.inverse]
    return ends
