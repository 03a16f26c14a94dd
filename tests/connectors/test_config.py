"""Source declarations load, and a broken one names its file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.config import load_source_config, load_source_configs
from connectors.errors import MappingError
from graph_schema import default_schema

GOOD = """
name: pop
connector: {kind: csv, path: pop.csv}
record_id: id
entities:
  self:
    type: Person
    properties:
      name: 姓名
      birth_date: {column: 出生日期, transform: [date]}
  home:
    type: Address
    properties: {address_code: 地址编码}
relationships:
  - {type: LIVES_AT, from: self, to: home}
"""


def write(tmp_path: Path, text: str, name: str = "pop.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_declaration_loads(tmp_path: Path) -> None:
    config = load_source_config(write(tmp_path, GOOD), default_schema())
    assert config.record_id == ("id",)
    assert config.entities["self"].properties["name"].column == "姓名"
    assert config.relationships[0].from_role == "self"


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ("type: Person", "type: Persn", "entities.self.type", "unknown entity type 'Persn'"),
        ("name: 姓名", "nmae: 姓名", "entities.self.properties.nmae", "Person has no such property"),
        ("transform: [date]", "transform: [dat]", "entities.self.properties.birth_date", "unknown transform 'dat'"),
        ("{type: LIVES_AT, from: self, to: home}", "{type: LIVES_AT, from: self, to: work}", "relationships[0]",
         "role 'work' is not declared"),
        ("{type: LIVES_AT, from: self, to: home}", "{type: OWNS, from: self, to: home}", "relationships[0].type",
         "OWNS does not connect Person to Address"),
        ("kind: csv", "kind: floppy", "connector", "does not match any of the expected tags"),
        ("record_id: id\n", "", "record_id", "Field required"),
        ("    type: Person\n", "    type: Person\n    requires: [identity_number]\n", "entities.self.requires",
         "'identity_number' is a property it does not map"),
        ("    type: Person\n", "    type: Person\n    requires: [nmae]\n", "entities.self.requires",
         "'nmae' is no property or hint"),
    ],
)  # fmt: skip
def test_a_broken_declaration_names_file_and_key(
    tmp_path: Path, old: str, new: str, key: str, message: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(MappingError) as info:
        load_source_config(path, default_schema())
    assert info.value.file == str(path)
    assert info.value.key.startswith(key)
    assert message in str(info.value)


def test_requires_may_name_the_properties_and_hints_the_role_maps(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    type: Person\n",
        "    type: Person\n    requires: [name, address_text]\n    hints: {address_text: 住址}\n",
    )
    config = load_source_config(write(tmp_path, text), default_schema())
    assert config.entities["self"].requires == ("name", "address_text")


def test_two_declarations_of_one_source_are_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(MappingError, match="also declared in"):
        load_source_configs(tmp_path, default_schema())


def test_a_missing_config_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="nowhere"):
        load_source_configs(tmp_path / "nowhere", default_schema())
