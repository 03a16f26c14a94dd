"""A raw row becomes mentions in roles, with normalised values and links between roles."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from connectors.config import load_source_config
from connectors.errors import RowError
from connectors.mapping import Mapper, content_hash
from graph_schema import default_schema
from tests.connectors.test_config import GOOD, write


@pytest.fixture
def mapper(tmp_path: Path) -> Mapper:
    return Mapper(load_source_config(write(tmp_path, GOOD), default_schema()), default_schema())


def test_a_row_becomes_mentions_and_links(mapper: Mapper) -> None:
    row = mapper.map_row({"id": " 7 ", "姓名": "張 偉", "出生日期": "1946年4月17日", "地址编码": "a-1"})
    assert row.record_id == "7"
    person = row.mention("self")
    address = row.mention("home")
    assert person is not None
    assert address is not None
    assert person.properties == {"name": "张伟", "birth_date": date(1946, 4, 17)}
    assert address.properties == {"address_code": "A-1"}
    assert [(link.rel_type, link.from_role, link.to_role) for link in row.links] == [
        ("LIVES_AT", "self", "home")
    ]


def test_a_role_without_values_makes_no_mention_and_no_link(mapper: Mapper) -> None:
    row = mapper.map_row({"id": "8", "姓名": "李娜", "出生日期": "", "地址编码": " "})
    assert [m.role for m in row.mentions] == ["self"]
    assert row.links == []


def test_bad_values_are_row_errors_naming_role_property_and_column(mapper: Mapper) -> None:
    with pytest.raises(RowError, match=r"self.birth_date \(column '出生日期'\).*not a calendar date"):
        mapper.map_row({"id": "9", "姓名": "王芳", "出生日期": "1990-02-30"})
    with pytest.raises(RowError, match="record id column is empty"):
        mapper.map_row({"id": "", "姓名": "王芳"})


def test_the_content_hash_ignores_key_order() -> None:
    assert content_hash({"a": 1, "b": "x"}) == content_hash({"b": "x", "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
