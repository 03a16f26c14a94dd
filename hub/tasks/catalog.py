"""The departments and the item list (事项清单), as versioned config (config/tasks/).

``departments.yaml``::

    version: 3                      # raised by whoever edits the list; tasks record it
    departments:
      - code: MZJ                   # the Department node's department_code
        name: 福田区民政局
        streets: []                 # street names it serves; empty: the whole district

``items.yaml``::

    version: 3
    items:
      - code: YL-001                # stable: tasks and rules name it
        name: 高龄津贴申领提醒
        category: 养老服务           # one of CATEGORIES
        keywords: [高龄, 津贴, 七十岁]
        responsible_unit: MZJ       # the department answerable for it (a department code)
        handling_unit: grid         # who does the work: grid (the subject's grid worker,
                                    # else its community, then street), or a department code
        level: 一般                  # event level: 一般, 较大, 重大
        deadline_days: 5            # working days from opening

Unknown keys, duplicate codes and units that name no department stop the load with the file and
the key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.errors import ConfigError

GRID = "grid"  # handling unit: the subject's grid worker (属地: community, then street, when none)
CATEGORIES = (
    "人口管理",
    "房屋租赁",
    "企业证照",
    "安全生产",
    "生态环境",
    "城市管理",
    "养老服务",
    "社会事务",
    "数据治理",
)
LEVELS = ("一般", "较大", "重大")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DepartmentDef(_Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")
    name: str = Field(min_length=1)
    streets: tuple[str, ...] = ()


class ItemDef(_Strict):
    code: str = Field(pattern=r"^[A-Z]{2,4}-\d{3}$")
    name: str = Field(min_length=1)
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    keywords: tuple[str, ...] = ()
    responsible_unit: str
    handling_unit: str
    level: Literal[LEVELS] = "一般"  # type: ignore[valid-type]
    deadline_days: int = Field(ge=1, le=365)


class _DepartmentsFile(_Strict):
    version: int = Field(ge=1)
    departments: tuple[DepartmentDef, ...] = Field(min_length=1)


class _ItemsFile(_Strict):
    version: int = Field(ge=1)
    items: tuple[ItemDef, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Catalog:
    departments: dict[str, DepartmentDef]
    items: dict[str, ItemDef]
    # "departments version/items version/digest": a task records the list it was opened under.
    version: str

    def item(self, code: str) -> ItemDef:
        found = self.items.get(code)
        if found is None:
            raise ConfigError(f"no item {code!r} in the item list ({len(self.items)} items)")
        return found


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc


def read_validated(path: Path, model: type[BaseModel]) -> Any:
    """The YAML file at ``path`` checked against ``model``; a ConfigError names the file and key."""
    try:
        return model.model_validate(_read(path))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from exc


def _unique(path: Path, kind: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise ConfigError(f"{path}: {kind} code {code!r} is declared twice")
        seen.add(code)


def load_catalog(config_dir: Path) -> Catalog:
    """``config_dir``/departments.yaml and items.yaml, checked against each other."""
    dept_path, items_path = config_dir / "departments.yaml", config_dir / "items.yaml"
    depts: _DepartmentsFile = read_validated(dept_path, _DepartmentsFile)
    items: _ItemsFile = read_validated(items_path, _ItemsFile)
    _unique(dept_path, "department", [d.code for d in depts.departments])
    _unique(items_path, "item", [i.code for i in items.items])
    codes = {d.code for d in depts.departments}
    for i, item in enumerate(items.items):
        if item.responsible_unit not in codes:
            raise ConfigError(
                f"{items_path}: items.{i}.responsible_unit: {item.responsible_unit!r} is no department "
                f"of {dept_path.name}"
            )
        if item.handling_unit != GRID and item.handling_unit not in codes:
            raise ConfigError(
                f"{items_path}: items.{i}.handling_unit: {item.handling_unit!r} is neither {GRID!r} "
                f"nor a department of {dept_path.name}"
            )
    text = json.dumps([depts.model_dump(mode="json"), items.model_dump(mode="json")], sort_keys=True)
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()
    return Catalog(
        departments={d.code: d for d in depts.departments},
        items={i.code: i for i in items.items},
        version=f"{depts.version}/{items.version}/{digest}",
    )
