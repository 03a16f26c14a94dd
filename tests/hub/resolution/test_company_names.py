"""Issue 13: licences naming their holder without a credit code join the registered company of
that name, through the whole pipeline (mapping, normalising, resolution pass); a branch never
joins its parent, and a name one character away stays another company."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import opencc
import pytest

from hub.demo.generator import generate_district
from hub.demo.run import demo_sources
from hub.export.crosswalk import crosswalk
from hub.resolution.explain import explain
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources
from resolvers.normalize.companies import split_company_name
from resolvers.normalize.names import org_name


def _registry(demo: Path) -> list[dict[str, str]]:
    with (demo / "business_registry.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _spellings(name: str) -> list[str]:
    """The registered name as other systems write it: district marker, 有限责任公司, full-width
    spaces, half-width brackets, traditional characters."""
    traditional = opencc.OpenCC("s2t").convert(name)
    variants = [
        name.replace("深圳市", "深圳市福田区", 1) if name.startswith("深圳市") else "福田区" + name,
        name.replace("有限公司", "有限责任公司"),
        name.replace("有限", "\u3000有限", 1),
        name.replace("（", "(").replace("）", ")"),
        traditional,
    ]
    return list(dict.fromkeys(v for v in variants if v != name))


def _near(name: str, taken: set[str]) -> str:
    """The name with one character of the core changed, a name nobody registered."""
    core = split_company_name(org_name(name).value).core
    for replacement in "甲乙丙丁戊":
        changed = name.replace(core, core[:-1] + replacement, 1) if core[-1] != replacement else name
        if split_company_name(org_name(changed).value).core not in taken and changed != name:
            return changed
    raise AssertionError(f"no free near name for {name}")


@pytest.mark.integration
def test_licence_holders_without_a_code_join_the_registered_company(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    generate_district(demo, persons=400, seed=2)
    registry = _registry(demo)
    taken = {split_company_name(org_name(r["企业名称"]).value).core for r in registry}
    companies = [r for r in registry if r["企业名称"].endswith("有限公司") and "分公司" not in r["企业名称"]][
        :6
    ]
    branches = [r for r in registry if r["企业名称"].endswith("分公司") and r["统一社会信用代码"]][:3]
    assert companies
    assert branches

    lines = (demo / "licenses.jsonl").read_text(encoding="utf-8").splitlines()
    template = json.loads(lines[0])
    added: list[tuple[str, str, str]] = []  # (licence record id, registry record id, how)

    def licence(holder: str, of: str, how: str) -> None:
        record = f"ZZX{len(added):07d}"
        row = {**template, "recordId": record, "licenceNo": f"X{len(added):08d}", "holderName": holder,
               "holderCode": "", "address": None, "addressCode": None}  # fmt: skip
        lines.append(json.dumps(row, ensure_ascii=False))
        added.append((record, of, how))

    for company in companies:
        for written in _spellings(company["企业名称"]):
            licence(written, company["记录编号"], "same")
        licence(company["企业名称"] + "福田第九分公司", company["记录编号"], "branch of")  # not registered
        licence(_near(company["企业名称"], taken), company["记录编号"], "near")
    for branch in branches:
        licence(branch["企业名称"].replace("有限公司", "有限责任公司", 1), branch["记录编号"], "same")
    (demo / "licenses.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    settings = Settings(data_dir=tmp_path, ladybug_buffer_pool_mb=512)
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema), settings)
        walk = {row[:3]: row[4] for row in crosswalk(store) if row[3] == "LegalEntity"}
        # The steward is told which rule decided, not only the score.
        decided = {}
        for record, of, how in added[:10]:
            explained, _, _ = explain(state, f"licenses:{record}:holder", f"business_registry:{of}:self")
            decided[how] = (explained.decision, explained.decided_by)
        assert decided["same"] == ("merge", "rule: same registered name")
        assert decided["near"] == ("apart", "rule: names one character apart")
        assert decided["branch of"] == ("apart", "rule: branch and parent")

    def entity(source: str, record: str, role: str) -> str:
        return walk[(source, record, role)]

    for record, of, how in added:
        holder, registered = entity("licenses", record, "holder"), entity("business_registry", of, "self")
        if how == "same":
            assert holder == registered, (record, of)
        else:
            assert holder != registered, (record, of, how)
    # A branch's licence joined the branch, and the branch is not its parent.
    for branch in branches:
        if branch["隶属企业名称"]:
            assert entity("business_registry", branch["记录编号"], "self") != entity(
                "business_registry", branch["记录编号"], "parent"
            )
