"""The GraphQL schema is derived from the canonical model: whatever the YAML declares is served."""

from __future__ import annotations

from pathlib import Path

import graphql
import pytest
from strawberry.utils.str_converters import to_camel_case

from graph_schema import NodeKind, NodeType, PropertyDef, Schema, default_schema
from hub.api import build_graphql_schema
from hub.api.errors import GraphQLSchemaConflict
from hub.api.graphql.names import list_name
from hub.api.schema import graphql_sdl


def _sdl(schema: Schema) -> str:
    return build_graphql_schema(schema).as_str()


def test_every_node_type_property_and_relationship_end_is_served() -> None:
    model = default_schema()
    # Read back from the SDL that clients see, so the names are the GraphQL ones.
    served = graphql.build_schema(_sdl(model))
    assert served.query_type is not None
    lookups = served.query_type.fields
    for node in model.node_types:
        object_type = served.get_type(node.name)
        assert isinstance(object_type, graphql.GraphQLObjectType), node.name
        assert [i.name for i in object_type.interfaces] == ["GraphNode"]
        fields = set(object_type.fields)
        assert {"id", *(to_camel_case(p) for p in node.property_names)} <= fields
        for rel in model.rels_from(node.name):
            if rel.field:
                # A single-valued end is an object; any other a connection that says its total.
                shown = graphql.get_named_type(object_type.fields[rel.field].type)
                assert shown.name.endswith("Connection") is not rel.one_target, (node.name, rel.field)
        assert {r.inverse for r in model.rels_to(node.name) if r.inverse} <= fields
        lookup = lookups[node.name[0].lower() + node.name[1:]]
        assert set(lookup.args) == {"id", *(to_camel_case(p.name) for p in node.identifiers)}
        assert lookup.type == object_type
        listing = lookups[list_name(node.name)]
        assert {"where", "sort", "first", "after"} == set(listing.args)
        assert f"{list_name(node.name)}Aggregate" in lookups


def _with_node(model: Schema, node: NodeType) -> Schema:
    return model.model_copy(update={"node_types": (*model.node_types, node)})


def test_a_node_type_added_to_the_model_gets_a_type_and_a_lookup() -> None:
    vehicle = NodeType(
        name="Vehicle",
        kind=NodeKind.ENTITY,
        id_prefix="V",
        properties=(PropertyDef(name="plate_number", identifier=True), PropertyDef(name="seats", type="int")),
    )
    sdl = _sdl(_with_node(default_schema(), vehicle))
    assert "type Vehicle implements GraphNode" in sdl
    assert "seats: Int" in sdl
    assert "vehicle(id: ID = null, plateNumber: String = null): Vehicle" in sdl


@pytest.mark.parametrize("name", ["Query", "GraphNode", "Date"])
def test_a_node_type_named_like_a_fixed_type_is_refused(name: str) -> None:
    clash = NodeType(name=name, kind=NodeKind.REFERENCE, id_prefix="X")
    with pytest.raises(GraphQLSchemaConflict, match=name):
        build_graphql_schema(_with_node(default_schema(), clash))


def test_two_fields_with_one_graphql_name_are_refused() -> None:
    model = default_schema()
    person = model.node("Person")
    # `mother_of` becomes `motherOf`, which a relationship end below also claims.
    clashing = person.model_copy(update={"properties": (*person.properties, PropertyDef(name="mother_of"))})
    rel = model.rel("MOTHER_OF").model_copy(update={"inverse": "motherOf"})
    nodes = tuple(clashing if n.name == "Person" else n for n in model.node_types)
    rels = tuple(rel if r.name == "MOTHER_OF" else r for r in model.rel_types)
    with pytest.raises(GraphQLSchemaConflict, match="motherOf"):
        build_graphql_schema(model.model_copy(update={"node_types": nodes, "rel_types": rels}))


def test_the_checked_in_schema_is_the_served_one() -> None:
    """schema.graphql is what department systems generate clients from: it must not drift.
    After a deliberate change: `gridhub schema graphql --out schema.graphql`."""
    checked_in = Path(__file__).parents[3] / "schema.graphql"
    assert checked_in.read_text(encoding="utf-8") == graphql_sdl(default_schema())


def test_the_cli_prints_the_served_schema(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hub.cli import app

    target = tmp_path / "schema.graphql"
    result = CliRunner().invoke(app, ["schema", "graphql", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == graphql_sdl(default_schema())
