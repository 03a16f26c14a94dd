"""The shipped task config loads and holds together; malformed rules are refused naming the
file and what is wrong."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from graph_schema import default_schema
from hub.errors import ConfigError
from hub.tasks.catalog import CATEGORIES, load_catalog
from hub.tasks.rules import DateOffset, RuleDef, load_rules
from hub.tasks.run import load_task_config
from tests.hub.tasks.conftest import CONFIG

RULE = """
name: {name}
item: {item}
description: test rule
subject: Person
cypher: "{cypher}"
"""


def test_the_shipped_item_list_departments_and_rules_load() -> None:
    config = load_task_config(CONFIG, default_schema())
    items = config.catalog.items
    assert len(items) >= 30
    assert set(Counter(i.category for i in items.values())) == set(CATEGORIES)
    departments = config.catalog.departments
    assert {"MZJ", "GAJ", "ZJJ", "SCJG", "YJGLJ", "STHJJ", "CGJ", "WJJ", "JYJ", "RSJ", "ZSJ"} <= set(
        departments
    )
    assert sum(1 for d in departments.values() if d.streets) == 10  # a street office per street
    assert all(i.keywords for i in items.values())
    names = {r.name for r in config.rules}
    assert names == {
        "elderly-allowance", "licence-expiring", "licence-expired-active", "licence-missing",
        "rental-unoccupied", "rental-crowded", "newborn-mother-elsewhere", "registered-off-library",
        "review-backlog",
    }  # fmt: skip
    assert all(r.item in items for r in config.rules)


def _rules_dir(tmp_path: Path, **fields: str) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    values = {
        "name": "a-rule",
        "item": "YL-001",
        "cypher": "MATCH (p:Person) RETURN p.id AS subject",
        **fields,
    }
    (rules / f"{values['name']}.yaml").write_text(RULE.format(**values), encoding="utf-8")
    return rules


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"item": "XX-999"}, "item: 'XX-999' is not in the item list"),
        ({"cypher": "MATCH (p:Person) SET p.name = 1 RETURN p.id AS subject"}, "its query has SET"),
        ({"cypher": "MATCH (p:Person) DETACH DELETE p"}, "its query has DETACH"),
        ({"name": "Bad Name"}, "name: String should match pattern"),
    ],
)
def test_a_malformed_rule_is_refused(tmp_path: Path, fields: dict[str, str], message: str) -> None:
    catalog = load_catalog(CONFIG)
    with pytest.raises(ConfigError, match=message):
        load_rules(_rules_dir(tmp_path, **fields), catalog, default_schema())


def test_words_in_strings_are_not_clauses(tmp_path: Path) -> None:
    catalog = load_catalog(CONFIG)
    rules = _rules_dir(tmp_path, cypher="MATCH (p:Person) WHERE p.name <> 'SET' RETURN p.id AS subject")
    assert [r.name for r in load_rules(rules, catalog, default_schema())] == ["a-rule"]


def test_a_rule_needs_a_query_for_each_store_and_parameters_once() -> None:
    with pytest.raises(ValueError, match="needs `cypher`, or both"):
        RuleDef(name="r-1", item="YL-001", description="d", cypher_ladybug="RETURN 1")
    with pytest.raises(ValueError, match="parameter 'today' is given twice"):
        RuleDef(name="r-1", item="YL-001", description="d", cypher="RETURN 1", params={"today": 1})
    with pytest.raises(ValueError, match="has no cypher"):
        RuleDef(name="r-1", item="SJ-001", description="d", kind="review_backlog", cypher="RETURN 1")
    rule = RuleDef(
        name="r-1", item="YL-001", description="d", cypher="RETURN 1", cypher_neo4j="RETURN 2",
        params={"ages": [70]}, dates={"since": DateOffset(years=-1, days=1)},
    )  # fmt: skip
    assert (rule.query("ladybug"), rule.query("neo4j")) == ("RETURN 1", "RETURN 2")
    assert rule.parameters(date(2024, 2, 29)) == {
        "today": date(2024, 2, 29), "year": "2024", "quarter": "2024Q1", "month": "2024-02",
        "ages": [70], "since": date(2023, 3, 1),
    }  # fmt: skip


def test_a_rule_declared_twice_or_about_an_unknown_type_is_refused(tmp_path: Path) -> None:
    catalog = load_catalog(CONFIG)
    rules = _rules_dir(tmp_path)
    shutil.copy(rules / "a-rule.yaml", rules / "copy.yaml")
    with pytest.raises(ConfigError, match="rule 'a-rule' is declared twice"):
        load_rules(rules, catalog, default_schema())
    (rules / "copy.yaml").unlink()
    (rules / "a-rule.yaml").write_text(
        (rules / "a-rule.yaml").read_text(encoding="utf-8").replace("subject: Person", "subject: Alien"),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="subject: 'Alien' is not a node type"):
        load_rules(rules, catalog, default_schema())
