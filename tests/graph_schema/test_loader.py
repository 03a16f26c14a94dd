"""The schema declaration loads into typed objects; malformed ones fail naming file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph_schema import NodeKind, PropertyType, SchemaError, default_schema, load_schema
from graph_schema.loader import DEFAULT_DIR

REQUIRED_TYPES = {
    "Person", "LegalEntity", "Building", "Address", "License", "Grid", "Community", "Street",
    "Department", "GridWorker", "SourceRecord", "Task",
}  # fmt: skip
REQUIRED_RELS = {
    ("LIVES_AT", "Person", "Address"),
    ("REPRESENTS", "Person", "LegalEntity"),
    ("REGISTERED_AT", "LegalEntity", "Address"),
    ("HOLDS", "LegalEntity", "License"),
    ("VALID_AT", "License", "Address"),
    ("IN_BUILDING", "Address", "Building"),
    ("IN_GRID", "Building", "Grid"),
    ("IN_COMMUNITY", "Grid", "Community"),
    ("IN_STREET", "Community", "Street"),
    ("OWNS", "Person", "Building"),
    ("MOTHER_OF", "Person", "Person"),
    ("COVERS", "GridWorker", "Grid"),
    ("ASSIGNED_TO", "Task", "GridWorker"),
    ("ASSIGNED_TO", "Task", "Department"),
}


def test_the_project_schema_declares_the_required_model() -> None:
    schema = default_schema()
    assert {n.name for n in schema.node_types} >= REQUIRED_TYPES
    for rel, source, target in REQUIRED_RELS:
        assert schema.rel(rel).connects(source, target), (rel, source, target)
    for entity in schema.of_kind(NodeKind.ENTITY, NodeKind.REFERENCE):
        assert schema.rel("FROM_RECORD").connects(entity.name, "SourceRecord")
        assert schema.rel("ABOUT").connects("Task", entity.name)
    identifiers = {n.name: {p.name for p in n.identifiers} for n in schema.node_types}
    assert identifiers["Person"] == {"identity_number"}
    assert identifiers["LegalEntity"] == {"uscc"}
    assert identifiers["License"] == {"license_number"}
    assert identifiers["Building"] == {"building_code"}
    assert identifiers["Grid"] == {"grid_code"}
    assert schema.node("Person").prop("birth_date").type is PropertyType.DATE
    assert schema.node("Person").prop("identity_number").pii


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    target = tmp_path / "schema"
    shutil.copytree(DEFAULT_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_copy_of_the_schema_loads(schema_copy: Path) -> None:
    assert load_schema(schema_copy) == default_schema()


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("types/person.yaml", "birth_date: {title: 出生日期, type: date, strong: true, age_field: age}", "birth_date: {type: dat}",
         r"person.yaml: Person.properties.birth_date.type: Input should be"),
        ("types/person.yaml", "gender: {", "gender: {colour: red, ",
         r"person.yaml: Person.properties.gender.colour: Extra inputs"),
        ("types/person.yaml", "kind: entity", "kind: alien",
         r"person.yaml: Person.kind: Input should be"),
        ("types/person.yaml", "  id_prefix: P\n", "",
         r"person.yaml: Person.id_prefix: Field required"),
        ("types/grid.yaml", "grid_code:", "GridCode:",
         r"grid.yaml: Grid.properties.GridCode.name: String should match"),
        ("relationships.yaml", "  from: Person\n  to: Address\n  field: addresses",
         "  from: Persn\n  to: Address\n  field: addresses",
         r"relationships.yaml: LIVES_AT.from: unknown node type 'Persn'"),
        ("relationships.yaml", "field: companies", "field: name",
         r"relationships.yaml: REPRESENTS.field: 'name' clashes on Person"),
        ("schema.yaml", "provenance: FROM_RECORD", "provenance: FROM_NOWHERE",
         r"schema.yaml: roles.provenance: 'FROM_NOWHERE' is not declared"),
        ("types/street.yaml", "  title: 街道\n", "  title: [街道\n",
         r"street.yaml: not valid YAML"),
    ],
)  # fmt: skip
def test_malformed_declarations_name_file_entity_and_field(
    schema_copy: Path, file: str, old: str, new: str, expected: str
) -> None:
    _edit(schema_copy / file, old, new)
    with pytest.raises(SchemaError, match=expected) as info:
        load_schema(schema_copy)
    assert info.value.file.endswith(file)


def test_a_node_type_declared_twice_is_refused(schema_copy: Path) -> None:
    shutil.copy(schema_copy / "types/grid.yaml", schema_copy / "types/grid_again.yaml")
    with pytest.raises(SchemaError, match=r"grid_again.yaml: Grid: declared twice"):
        load_schema(schema_copy)
