"""Search on a generated district: noisy names find the right person or company (the
generator's truth says which), filters agree with the graph, addresses find their building,
and the service notices new data while readers keep reading."""

from __future__ import annotations

import csv
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from hub.demo.generator import names as generated
from hub.demo.generator.write_business import name_variant
from hub.search import SearchHit, SearchService
from resolvers.comparators.names import name_pinyin
from tests.hub.search.conftest import District

pytestmark = pytest.mark.integration
SAMPLE = 600
# Characters a clerk might type by mistake (another character, not a homophone of the right one).
SLIPS = "国家明华建文德志伟强平军海东金林永春秀英丽芳红玉兰桂凤梅云"


def noisy_names(name: str, surname: str, given: str, rng: np.random.Generator) -> dict[str, str]:
    """The true name and its noisy writings: a homophone as the generator's sources make them,
    traditional characters, and (three characters or more) one character mistyped."""
    out = {"exact": name}
    homophone = generated.homophone_variant(surname, given, float(rng.random()))
    if homophone:
        out["homophone"] = homophone
    traditional = generated.traditional(name)
    if traditional != name:
        out["traditional"] = traditional
    if len(name) >= 3:
        at = int(rng.integers(0, len(name)))
        slips = [c for c in SLIPS if name_pinyin(c) != name_pinyin(name[at])]
        out["typo"] = name[:at] + slips[int(rng.integers(0, len(slips)))] + name[at + 1 :]
    return out


def rank_of(hits: list[SearchHit], wanted: set[str]) -> int | None:
    return next((i + 1 for i, hit in enumerate(hits) if hit.entity_id in wanted), None)


@pytest.fixture(scope="module")
def service(district: District) -> SearchService:
    return SearchService(district.store, district.state, background=False)


def test_noisy_person_names_find_the_right_person(district: District, service: SearchService) -> None:
    people = district.world.people
    people = people[people.truth.isin(district.entities.keys())].sample(n=SAMPLE, random_state=1)
    rng = np.random.default_rng(5)
    counts: Counter[tuple[str, str, str]] = Counter()
    for person in people.itertuples():
        wanted = district.entities[person.truth]
        for kind, written in noisy_names(person.name, person.surname, person.given, rng).items():
            for filters in ("name", "name+year+gender"):
                given: dict[str, Any] = {"birth_year": person.birth.year, "gender": person.gender}
                hits = service.persons(written, **(given if filters != "name" else {}))
                rank = rank_of(hits, wanted)
                counts[kind, filters, "n"] += 1
                counts[kind, filters, "1"] += rank == 1
                counts[kind, filters, "3"] += rank is not None and rank <= 3
                counts[kind, filters, "10"] += rank is not None
    share = {key: counts[key] / counts[(*key[:2], "n")] for key in counts if key[2] != "n"}
    report = {f"{k[0]}/{k[1]}/top{k[2]}": round(v, 3) for k, v in sorted(share.items())}
    assert counts["typo", "name", "n"] >= 300, report  # enough of each kind to mean something
    assert counts["traditional", "name", "n"] >= 300, report
    # With the birth year and sex a clerk asks for, nearly every writing finds the person first;
    # a typo in the character that told two people apart (崔欣怡 → 军欣怡 against 周欣怡 of the same
    # year) ties them, and the tie goes by id.
    for kind in ("exact", "homophone", "traditional"):
        assert share[kind, "name+year+gender", "1"] >= 0.97, report
    assert share["typo", "name+year+gender", "1"] >= 0.85, report
    assert share["typo", "name+year+gender", "3"] >= 0.97, report
    # By the name alone, namesakes share the top: the person is among the first ten nearly always.
    for kind in ("exact", "homophone", "traditional"):
        assert share[kind, "name", "10"] >= 0.98, report
        assert share[kind, "name", "1"] >= 0.65, report
    assert share["typo", "name", "10"] >= 0.8, report


def test_companies_are_found_first_however_their_name_is_written(
    district: District, service: SearchService
) -> None:
    companies = district.world.companies
    companies = companies[companies.truth.isin(district.entities.keys())]
    counts: Counter[tuple[str, str]] = Counter()
    for c in companies.itertuples():
        writings = {"registered": c.name, "traditional": generated.traditional(c.name)}
        if c.kind in ("company", "individual"):
            # The core alone names the company; for a branch it names the parent, as it should.
            writings["core"] = c.trade + c.industry
        if c.kind == "company":
            writings |= {
                how: name_variant(c.kind, c.name, c.trade, c.industry, c.form, how)
                for how in ("short_city", "bracket", "halfwidth_bracket", "llc", "space")
            }
        for kind, written in writings.items():
            counts[kind, "n"] += 1
            counts[kind, "1"] += rank_of(service.companies(written), district.entities[c.truth]) == 1
    report = {kind: round(counts[kind, "1"] / counts[kind, "n"], 3) for kind, _ in counts if _ == "n"}
    assert counts["registered", "n"] >= 150, report
    for share in report.values():
        assert share >= 0.98, report


def graph_communities(district: District) -> dict[str, set[str]]:
    """Person id → the communities the graph places them in (LIVES_AT → … → Community)."""
    rows = district.store.read(
        "MATCH (p:Person)-[:LIVES_AT]->(:Address)-[:IN_BUILDING]->(:Building)-[:IN_GRID]->(:Grid)"
        "-[:IN_COMMUNITY]->(c:Community) RETURN p.id AS person, c.id AS community"
    )
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(str(row["person"]), set()).add(str(row["community"]))
    return out


def test_the_community_filter_agrees_with_the_graph(district: District, service: SearchService) -> None:
    placed = graph_communities(district)
    communities = sorted({c for found in placed.values() for c in found})
    assert len(communities) >= 5
    checked = 0
    for person_id in sorted(placed)[:: max(len(placed) // 150, 1)]:
        name = _label(district, person_id)  # the golden name the graph shows
        for community in communities[:5] + sorted(placed[person_id]):
            hits = service.persons(name, community=community, limit=50)
            for hit in hits:
                assert community in placed.get(hit.entity_id, set()), (hit, community)
            # Every namesake the graph places there is found (the filter drops none).
            found = {hit.entity_id for hit in hits}
            assert (person_id in found) == (community in placed[person_id])
            checked += 1
    assert checked >= 300


def _label(district: District, person_id: str) -> str:
    node = district.store.get_node("Person", person_id)
    assert node is not None
    return str(node.properties["name"])


def _codes(district: District, label: str, code: str) -> dict[str, str]:
    rows = district.store.read(f"MATCH (n:{label}) RETURN n.id AS id, n.{code} AS code")
    return {str(r["code"]): str(r["id"]) for r in rows if r["code"]}


def test_free_text_addresses_find_their_standard_address(district: District, service: SearchService) -> None:
    demo = district.root / "demo"
    with (demo / "address_library.csv").open(encoding="utf-8", newline="") as handle:
        library = list(csv.DictReader(handle))
    address_ids, building_ids = (
        _codes(district, "Address", "address_code"),
        _codes(district, "Building", "building_code"),
    )
    # The library's own full texts: each is its room, exactly.
    for row in library[:: max(len(library) // 300, 1)]:
        hit = service.addresses(row["标准地址"])[0]
        assert (hit.outcome, hit.address_id, hit.building_id) == (
            "exact", address_ids[row["地址编码"]], building_ids[row["楼栋编码"]],
        ), row  # fmt: skip
        assert hit.score == 1.0
        assert row["小区"] in hit.reasons[0]
    # The grid collection's hand-typed addresses (no room, a unit left out, a remark, …): the
    # generator's truth names each one's room; the room's building must come first.
    truth_room = {}
    with (demo / "truth.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["source"] == "grid_collection" and row["role"] == "address":
                truth_room[row["record_id"]] = row["address_id"]
            elif row["source"] == "address_library":
                truth_room[row["address_id"]] = row["record_id"]  # truth room → address code
    code_building = {row["地址编码"]: row["楼栋编码"] for row in library}
    outcomes: Counter[str] = Counter()
    right = wrong = 0
    for line in (demo / "grid_collection.jsonl").read_text(encoding="utf-8").splitlines()[:400]:
        record = json.loads(line)
        code = truth_room.get(truth_room.get(record["cjbh"], ""), "")
        if not code or not record["jzdz"]:
            continue  # a demolished building (not in the library) or no address written
        hits = service.addresses(record["jzdz"])
        outcomes[hits[0].outcome] += 1
        if hits[0].outcome in ("exact", "partial"):
            right += hits[0].building_id == building_ids[code_building[code]]
            wrong += hits[0].building_id != building_ids[code_building[code]]
            if hits[0].outcome == "exact":
                assert hits[0].address_id == address_ids[code], record
    assert right >= 0.97 * sum(outcomes.values()), outcomes
    assert wrong == 0, outcomes
    assert outcomes["exact"] > outcomes["partial"] > 0, outcomes


def test_an_address_the_library_does_not_know_says_why(service: SearchService) -> None:
    [hit] = service.addresses("福田区不存在花园9栋101")
    assert (hit.address_id, hit.building_id, hit.outcome, hit.score) == (None, None, "unknown", 0.0)
    assert hit.reasons == ["estate 不存在花园 is not in the standard address library"]
    assert service.addresses("   ") == []


def person_row(record: str, entity: str, name: str) -> dict[str, Any]:
    features = {"name": name, "~name_pinyin": name_pinyin(name), "~birth_year": "1990", "~gender_any": "F"}
    return {"source": "search_test", "record_id": record, "role": "self", "entity_type": "Person",
            "entity_id": entity, "trust": 50, "features": features, "run_id": "search-test"}  # fmt: skip


def _eventually(check: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_new_merged_and_retired_mentions_are_noticed(district: District) -> None:
    state = district.state
    service = SearchService(district.store, state, check_interval=0.0, background=False)
    assert service.persons("欧阳娜娜") == []
    try:
        state.replace_mentions("search_test", ["r1"], [person_row("r1", "P-search-1", "欧阳娜娜")])
        state.replace_mentions("search_test", ["r2"], [person_row("r2", "P-search-2", "歐陽娜娜")])
        assert [h.entity_id for h in service.persons("欧阳娜娜")] == ["P-search-1", "P-search-2"]
        state.reassign_mentions({"P-search-2": "P-search-1"}, "search-test")  # a merge
        [hit] = service.persons("歐陽娜娜")
        assert (hit.entity_id, hit.score) == ("P-search-1", 1.0)
    finally:
        state.replace_mentions("search_test", ["r1", "r2"], [])  # the records retired
    assert service.persons("欧阳娜娜") == []


def test_readers_keep_reading_while_the_index_is_rebuilt_in_the_background(district: District) -> None:
    service = SearchService(district.store, district.state, check_interval=0.05)
    expected = service.persons("张伟", limit=5)
    errors: list[BaseException] = []
    answers: Counter[tuple[str, ...]] = Counter()
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                answers[tuple(h.entity_id for h in service.persons("张伟", limit=5))] += 1
                service.companies("科技", limit=3)
        except BaseException as exc:  # any failure in a reader fails the test
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(6)]
    for reader in readers:
        reader.start()
    try:
        district.state.replace_mentions("search_test", ["r3"], [person_row("r3", "P-search-3", "欧阳娜娜")])
        found = _eventually(lambda: bool(service.persons("欧阳娜娜")))
    finally:
        district.state.replace_mentions("search_test", ["r3"], [])
        gone = _eventually(lambda: not service.persons("欧阳娜娜"))
        stop.set()
        for reader in readers:
            reader.join()
    assert found
    assert gone
    assert not errors, errors
    assert set(answers) == {tuple(h.entity_id for h in expected)}  # one answer, before and after
    assert sum(answers.values()) > 50
    assert service.wait(30)
