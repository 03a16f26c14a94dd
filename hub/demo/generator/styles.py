"""How the department exports are written: the ``standard`` style, or the ``county`` style of
other systems describing the same district.

The world (people, companies, buildings, licences, truth) does not depend on the style; only the
writing does. In the county style the exports have other column names (pinyin abbreviations,
camelCase or snake_case keys, other Chinese headers), other date formats (1990/1/5, 19900105,
1990年1月5日) and gender codes (1/2, M/F, 男性/女性); the standard address library is kept at
building level (one row per building, no units, floors or rooms; door numbers bare, 88 for 88号),
so address codes in the other exports are building codes; free-text addresses name buildings in
variants (35, 35栋, 35座, 第35栋, 35号楼); about half of the licence rows name the holder by name
only, without a credit code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hub.demo.generator.district import District
from hub.demo.generator.rand import Ints, Strings, objects

STANDARD = "standard"
COUNTY = "county"
STYLES = (STANDARD, COUNTY)

_COUNTY_COLUMNS: dict[str, dict[str, str]] = {
    "grid_workers": {"记录编号": "RECORD_NO", "网格员编号": "WORKER_NO", "姓名": "NAME", "手机号码": "MOBILE",
                     "岗位": "POST", "网格编码": "GRID_CODE", "网格名称": "GRID_NAME", "社区名称": "COMMUNITY",
                     "街道名称": "STREET", "上岗日期": "START_DATE"},
    "population": {"人员编号": "人口ID", "姓名": "人员姓名", "公民身份号码": "身份证号", "性别": "性别代码",
                   "出生日期": "出生年月日", "联系电话": "手机", "民族": "民族代码", "地址编码": "建筑物编码",
                   "居住地址": "现住址", "人员类别": "人口类型"},
    "grid_collection": {"cjbh": "visitId", "wgybh": "workerNo", "cjrq": "visitDate", "xm": "name",
                        "sfzh": "idCard", "xb": "sex", "csrq": "birthday", "lxdh": "mobile", "jzdz": "address",
                        "dzbm": "buildingCode", "wgbm": "gridCode", "rylx": "personType", "jzlx": "tenure"},
    "business_registry": {"记录编号": "ID", "统一社会信用代码": "TYSHXYDM", "注册号": "ZCH", "企业名称": "QYMC",
                          "企业类型": "QYLX", "行业": "HYLB", "法定代表人": "FDDBR", "法定代表人证件号码": "FDDBRZJHM",
                          "联系电话": "LXDH", "成立日期": "CLRQ", "登记状态": "DJZT", "住所": "ZS",
                          "地址编码": "JZWBM", "隶属企业名称": "LSQYMC", "隶属企业统一社会信用代码": "LSQYTYSHXYDM"},
    "licenses": {"recordId": "zz_id", "licenceNo": "zzbh", "licenceType": "zzlx", "issuer": "fzjg",
                 "holderName": "czr_mc", "holderCode": "czr_dm", "validFrom": "yxq_q", "validTo": "yxq_z",
                 "status": "zt", "address": "jycs", "addressCode": "jzwbm"},
    "housing": {"备案编号": "登记编号", "楼栋编码": "建筑物编码", "房屋地址": "出租房屋地址", "出租人姓名": "房东姓名",
                "出租人证件号码": "房东身份证号", "出租人联系电话": "房东电话", "承租人姓名": "租客姓名",
                "承租人证件号码": "租客身份证号", "承租人联系电话": "租客电话", "居住人数": "实住人数",
                "租赁起始日期": "起租日期", "租赁终止日期": "止租日期", "租赁状态": "出租状态", "房屋用途": "用途"},
    "newborns": {"出生医学证明编号": "出生证编号", "新生儿姓名": "婴儿姓名", "性别": "婴儿性别", "出生时间": "出生日期时间",
                 "出生体重": "体重克", "胎数": "胎次", "出生医院": "接生机构", "母亲姓名": "母亲姓名",
                 "母亲证件号码": "母亲身份证号", "母亲联系电话": "母亲电话", "父亲姓名": "父亲姓名",
                 "父亲证件号码": "父亲身份证号", "家庭住址": "家庭地址", "地址编码": "建筑物编码"},
}  # fmt: skip
# Columns the county exports do not have: room codes (its address library has none).
_COUNTY_DROPPED: dict[str, tuple[str, ...]] = {"housing": ("房屋编码",)}


@dataclass(frozen=True)
class WritingStyle:
    name: str
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    dropped: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def standard(self) -> bool:
        return self.name == STANDARD

    def column(self, source: str, column: str) -> str:
        return self.columns.get(source, {}).get(column, column)

    def frame(self, source: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with this style's column names (and without the columns it does not have)."""
        if self.standard:
            return frame
        frame = frame.drop(columns=list(self.dropped.get(source, ())))
        return frame.rename(columns=dict(self.columns.get(source, {})))


def writing_style(name: str) -> WritingStyle:
    if name == STANDARD:
        return WritingStyle(STANDARD)
    if name == COUNTY:
        return WritingStyle(COUNTY, _COUNTY_COLUMNS, _COUNTY_DROPPED)
    raise ValueError(f"unknown district style {name!r} (known: {', '.join(STYLES)})")


def address_codes(district: District, rooms: Ints, style: WritingStyle) -> Strings:
    """The address code of each room as a source writes it: the room's in the standard style, the
    building's in a style whose address library is at building level."""
    if style.standard:
        return objects(district.rooms.code.to_numpy()[rooms])
    building = district.rooms.building.to_numpy()[np.asarray(rooms)]
    return objects(district.buildings.code.to_numpy()[building])
