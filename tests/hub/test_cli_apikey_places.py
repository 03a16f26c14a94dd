"""`gridhub apikey create --street / --community`: a place given by its node id, its code or its
name is stored as the node id; a value naming no place, or a name several places share, stops
the command (exit code 2) before a key that would silently see nothing is made. On both stores.
`gridhub apikey list` names the places; the `--scopes` help lists every scope there is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.api.security.api_keys import ApiKeys
from hub.api.security.principal import FIXED_SCOPES, READ_SCOPE
from hub.cli import app
from hub.settings import Settings, get_settings
from hub.state import ApiKeyRecord, StateStore
from hub.store import open_store
from tests.conftest import _wipe_neo4j

runner = CliRunner()

STREETS = [
    {"id": "S-huafu", "street_code": "440304006", "name": "华富街道"},
    {"id": "S-futian", "street_code": "440304001", "name": "福田街道"},
    # Two streets of one name (a renamed street kept beside its successor): only id or code will do.
    {"id": "S-yuanling-1", "street_code": "440304003", "name": "园岭街道"},
    {"id": "S-yuanling-2", "street_code": "440304903", "name": "园岭街道"},
]
COMMUNITIES = [{"id": "C-huafu", "community_code": "440304006001", "name": "华富社区"}]


@pytest.fixture(params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def settings(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """A data directory whose graph (embedded, or the Neo4j test server) holds a few places."""
    monkeypatch.setenv("GRIDHUB_DATA_DIR", str(tmp_path))
    if request.param == "neo4j":
        uri = request.getfixturevalue("neo4j_uri")
        _wipe_neo4j(uri)
        monkeypatch.setenv("GRIDHUB_GRAPH_URL", uri)
    else:
        monkeypatch.delenv("GRIDHUB_GRAPH_URL", raising=False)
    get_settings.cache_clear()
    settings = get_settings()
    with open_store(settings) as store:
        store.apply_schema()
        store.upsert_nodes("Street", STREETS)
        store.upsert_nodes("Community", COMMUNITIES)
    yield settings
    get_settings.cache_clear()


def create(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["apikey", "create", "--name", "街道办", "--scopes", "read", *args])
    return result.exit_code, result.output


def stored_keys(settings: Settings) -> list[ApiKeyRecord]:
    with StateStore(settings.state_database_url) as state:
        return state.api_key_records()


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("given", ["S-huafu", "440304006", "华富街道", " 华富街道 "])
def test_a_street_by_id_code_or_name_is_stored_as_its_id(settings: Settings, given: str) -> None:
    code, output = create("--street", given)
    assert code == 0, output
    assert "restricted to street 华富街道 (S-huafu)" in output
    [record] = stored_keys(settings)
    assert record.streets == frozenset({"S-huafu"})
    assert record.communities is None
    plaintext = output.strip().splitlines()[-1]  # the key stays the last line
    with StateStore(settings.state_database_url) as state:
        principal = ApiKeys(state).verify(plaintext)
    assert principal is not None
    assert principal.streets == frozenset({"S-huafu"})


def test_id_code_and_name_give_the_same_restriction(settings: Settings) -> None:
    for given in ("S-huafu", "440304006", "华富街道"):
        assert create("--street", given, "--community", "华富社区")[0] == 0
    assert create("--community", "440304006001", "--community", "C-huafu")[0] == 0  # named twice: once
    keys = stored_keys(settings)
    assert [(k.streets, k.communities) for k in keys] == [
        (frozenset({"S-huafu"}), frozenset({"C-huafu"})),
        (frozenset({"S-huafu"}), frozenset({"C-huafu"})),
        (frozenset({"S-huafu"}), frozenset({"C-huafu"})),
        (None, frozenset({"C-huafu"})),
    ]


@pytest.mark.parametrize(
    ("option", "value", "label"),
    [
        ("--street", "不存在街道", "Street"),
        ("--community", "华富街道", "Community"),  # a street's name is no community's
        ("--street", "440304006001", "Street"),  # a community's code is no street's
    ],
)
def test_an_unknown_place_stops_the_command(settings: Settings, option: str, value: str, label: str) -> None:
    code, output = create("--street", "华富街道", option, value)
    assert code == 2, output
    assert f"error: {option} '{value}': no {label} has this id, code or name" in one_line(output)
    assert "nodes { id name" in output  # how to find them
    assert stored_keys(settings) == []


def test_an_ambiguous_name_stops_the_command_naming_the_candidates(settings: Settings) -> None:
    code, output = create("--street", "园岭街道")
    assert code == 2, output
    assert (
        "error: --street '园岭街道' names 2 Street nodes: S-yuanling-1 (code 440304003), "
        "S-yuanling-2 (code 440304903); give the id or the code of the one meant"
    ) in one_line(output)
    assert stored_keys(settings) == []
    assert create("--street", "440304903")[0] == 0  # its code picks one
    assert [k.streets for k in stored_keys(settings)] == [frozenset({"S-yuanling-2"})]


def test_the_list_names_the_places(settings: Settings) -> None:
    assert create("--street", "440304006", "--community", "华富社区")[0] == 0
    with StateStore(settings.state_database_url) as state:  # a key made before names were checked
        ApiKeys(state).create("旧钥", {"read"}, created_by="tests", streets=["华富街道"])
    result = runner.invoke(app, ["apikey", "list"])
    assert result.exit_code == 0, result.output
    listed = one_line(result.output.replace("│", " "))
    assert "street 华富街道 (S-huafu), community 华富社区 (C-huafu)" in listed
    assert "street 华富街道 (not in the graph)" in listed


def test_the_scopes_help_lists_every_scope() -> None:
    result = runner.invoke(app, ["apikey", "create", "--help"])
    assert result.exit_code == 0, result.output
    words = set(re.findall(r"[a-z]+(?::<Type>)?", result.output))
    assert FIXED_SCOPES | {f"{READ_SCOPE}:<Type>"} <= words, sorted(FIXED_SCOPES - words)
