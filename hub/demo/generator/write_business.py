"""Writers for the business registry (商事登记) and the licence system (证照)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hub.demo.generator import noise
from hub.demo.generator.addresses import Style, address_texts, county_address
from hub.demo.generator.company_names import company_name
from hub.demo.generator.files import DemoFile, write_csv, write_jsonl
from hub.demo.generator.ids import with_typo
from hub.demo.generator.licences import LICENCE_TYPES
from hub.demo.generator.names import traditional
from hub.demo.generator.phones import landline
from hub.demo.generator.rand import Strings, at_least, objects, pick_kinds, stream
from hub.demo.generator.styles import WritingStyle, address_codes, writing_style
from hub.demo.generator.truth import Truth, nonempty
from hub.demo.generator.world import World

REGISTRY_ADDRESS = Style(prefix=(8, 2, 0, 0, 0), street=0.9, community=0.9, road=0.8, building=(90, 10, 0, 0, 0, 0, 0),
                         room=(40, 20, 40, 0, 0), no_unit=0.02, no_room=0.0, traditional=0.0, fullwidth=0.0,
                         spaces=0.0, remark=0.0)  # fmt: skip
LICENCE_ADDRESS = Style(prefix=(2, 4, 3, 1, 1), street=0.3, community=0.2, road=0.6, no_unit=0.1, remark=0.0)
# How other systems write a registered name. 'canonical' is the registry's own spelling.
NAME_VARIANTS = {"canonical": 0.6, "short_city": 0.1, "bracket": 0.07, "halfwidth_bracket": 0.04, "llc": 0.06,
                 "brand": 0.05, "traditional": 0.04, "space": 0.04}  # fmt: skip
HOLDER_CODE = {"lowercase": 0.02, "typo": 0.01, "registration_number": 0.03, "missing": 0.04}
# The county's licence system names the holder only, without a credit code, in about half the rows.
COUNTY_HOLDER_CODE = {"lowercase": 0.01, "typo": 0.01, "registration_number": 0.02, "missing": 0.5}
STANDARD_STYLE = writing_style("standard")


def name_variant(kind: str, name: str, trade: str, industry: str, form: str, how: str) -> str:
    """深圳市X科技有限公司 as 深圳X科技有限公司, X科技（深圳）有限公司, …有限责任公司, X科技, 深圳市X科技 有限公司."""
    if how == "traditional":
        return traditional(name)
    if how == "space":
        return name.replace("有限", " 有限", 1) if "有限" in name else name.replace(trade, trade + " ", 1)
    if kind == "individual":  # 深圳市福田区X便利店 → 福田区X便利店 / X便利店
        return name.removeprefix("深圳市") if how in ("short_city", "bracket", "llc") else trade + industry
    if kind == "branch":
        return name.replace("有限公司", "公司", 1) if how in ("short_city", "llc") else name
    if how == "short_city":
        return company_name(trade, industry, "short", form)
    if how == "bracket":
        return company_name(trade, industry, "bracket", form)
    if how == "halfwidth_bracket":
        return company_name(trade, industry, "bracket", form).replace("（", "(").replace("）", ")")
    if how == "llc" and form == "有限公司":
        return name.replace("有限公司", "有限责任公司")
    if how == "brand":
        return trade + industry
    return name


def _variants(rng: np.random.Generator, c: pd.DataFrame, rates: dict[str, float]) -> tuple[Strings, Strings]:
    how = pick_kinds(rng, len(c), {k: v for k, v in rates.items() if k != "canonical"})
    out = objects(
        [name_variant(*row) for row in zip(c.kind, c.name, c.trade, c.industry, c.form, how, strict=True)]
    )
    return out, objects(np.where(out != c.name.to_numpy(), how, ""))


def write_business_registry(
    world: World, out: Path, truth: Truth, log: noise.NoiseLog, style: WritingStyle = STANDARD_STYLE
) -> DemoFile:
    rng = stream(world.seed, "source:business_registry")
    everyone, d = world.people, world.district
    c = world.companies[world.companies.kind != "parent"].reset_index()
    n = len(c)
    ids = objects([f"QY{i + 1:08d}" for i in range(n)])
    rep = everyone.iloc[c.rep].reset_index(drop=True)
    name, name_k = noise.person_names(
        rng, objects(rep.surname), objects(rep.given), {"traditional": 0.005, "space": 0.005}
    )
    idn, idn_k = noise.identity_numbers(
        rng, objects(rep.id_number), objects(rep.id_kind.where(rep.id_kind != "clean", "")),
        {"lower_x": 0.2, "legacy15": 0.01, "typo": 0.003, "missing": 0.03},
    )  # fmt: skip
    phone = np.where(
        rng.random(n) < 0.5, landline(rng, n), noise.phones(rng, objects(rep.phone), {"plain": 1})[0]
    )
    founded, founded_k = noise.dates(
        rng, pd.DatetimeIndex(c.registered_on), {"compact": 2, "cn": 1} if style.standard else {"slash": 1}
    )
    bad = _bad(rng, n)
    founded[bad] = [noise.impossible_date(x) for x in founded[bad]]
    founded_k[bad] = "impossible_date"
    rooms = c.room.to_numpy()
    text, text_k = address_texts(
        rng, d, rooms, REGISTRY_ADDRESS if style.standard else county_address(REGISTRY_ADDRESS)
    )
    code = np.where(rng.random(n) < 0.7, address_codes(world.district, rooms, style), "")
    parent = c.parent.to_numpy()
    is_branch = parent >= 0
    parents = world.companies.iloc[np.maximum(parent, 0)].reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "记录编号": ids,
            "统一社会信用代码": c.uscc,
            "注册号": c.reg_no,
            "企业名称": c.name,
            "企业类型": c.legal_form,
            "行业": c.industry,
            "法定代表人": name,
            "法定代表人证件号码": idn,
            "联系电话": phone,
            "成立日期": founded,
            "登记状态": c.status,
            "住所": text,
            "地址编码": code,
            "隶属企业名称": np.where(is_branch, parents.name, ""),
            "隶属企业统一社会信用代码": np.where(is_branch, parents.uscc, ""),
        }
    )
    for column, kinds in (
        ("法定代表人", name_k),
        ("法定代表人证件号码", idn_k),
        ("成立日期", founded_k),
        ("住所", text_k),
    ):
        log.add("business_registry", ids, column, objects(kinds))
    truth.add("business_registry", ids, "self", "LegalEntity", objects(c.truth))
    truth.note("in_registry", c["index"].to_numpy()[~bad])  # a row with an impossible date is quarantined
    truth.add("business_registry", ids, "legal_representative", "Person", objects(rep.truth))
    truth.add_address("business_registry", ids, "address", rooms)
    truth.add("business_registry", ids, "parent", "LegalEntity", objects(parents.truth), is_branch)
    return write_csv(
        style.frame("business_registry", frame), out / "business_registry.csv", "business_registry"
    )


def _bad(rng: np.random.Generator, n: int) -> np.ndarray:
    return at_least(rng, rng.random(n) < 0.0005, np.ones(n, dtype=bool), 1 if n >= 20 else 0)


def write_licences(
    world: World, out: Path, truth: Truth, log: noise.NoiseLog, style: WritingStyle = STANDARD_STYLE
) -> DemoFile:
    """Licences as the licence system's HTTP export gives them: JSON Lines with camelCase keys."""
    rng = stream(world.seed, "source:licenses")
    lic, d = world.licences, world.district
    n = len(lic)
    ids = objects([f"ZZ{i + 1:08d}" for i in range(n)])
    holder = world.companies.iloc[lic.holder].reset_index(drop=True)
    holder_name, holder_name_k = _variants(rng, holder, NAME_VARIANTS)
    code = objects(holder.uscc)
    code_k = pick_kinds(rng, n, HOLDER_CODE if style.standard else COUNTY_HOLDER_CODE)
    code_k[(code_k == "lowercase") & ~holder.uscc.str.contains("[A-Z]").to_numpy()] = ""  # digits only
    code_k[(code_k == "registration_number") & (holder.reg_no == "").to_numpy()] = ""
    for i in np.flatnonzero(code_k != ""):
        kind = code_k[i]
        code[i] = {"lowercase": code[i].lower(), "typo": _uscc_typo(code[i], int(rng.integers(8, 17))),
                   "registration_number": holder.reg_no[i], "missing": ""}[kind]  # fmt: skip
    rooms = holder.op_room.to_numpy()
    text, text_k = address_texts(
        rng, d, rooms, LICENCE_ADDRESS if style.standard else county_address(LICENCE_ADDRESS)
    )
    dates = {"iso": 3, "slash": 1, "cn": 1} if style.standard else {"compact": 1}
    valid_from, _ = noise.dates(rng, pd.DatetimeIndex(lic.valid_from), dates)
    valid_to, _ = noise.dates(rng, pd.DatetimeIndex(lic.valid_until), dates)
    frame = pd.DataFrame(
        {
            "recordId": ids,
            "licenceNo": lic.number,
            "licenceType": lic.type,
            "issuer": lic.type.map(lambda t: LICENCE_TYPES[t].issuer),
            "holderName": holder_name,
            "holderCode": code,
            "validFrom": valid_from,
            "validTo": valid_to,
            "status": lic.status,
            "address": text,
            "addressCode": np.where(
                rng.random(n) < 0.5, address_codes(world.district, rooms, style), np.array(None)
            ),
        }
    )
    for column, kinds in (("holderName", holder_name_k), ("holderCode", code_k), ("address", text_k)):
        log.add("licenses", ids, column, objects(kinds))
    truth.add("licenses", ids, "self", "License", objects(lic.truth))
    truth.add("licenses", ids, "holder", "LegalEntity", objects(holder.truth), nonempty(holder_name, code))
    truth.add_address("licenses", ids, "address", rooms)
    return write_jsonl(style.frame("licenses", frame), out / "licenses.jsonl", "licenses")


def _uscc_typo(code: str, position: int) -> str:
    """One character of the organisation code replaced: the mod-31 check always catches it."""
    if code[position].isdigit():
        return with_typo(code, position, 1 + position % 9)
    return code[:position] + ("A" if code[position] != "A" else "B") + code[position + 1 :]
