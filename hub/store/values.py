"""The graph's values as the store port hands them out: a node, and a relationship seen from one
of its ends. Their own module so the query language (query.py) and the port (port.py) both build
on them without importing each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    label: str
    id: str
    properties: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Edge:
    """A relationship seen from one node: ``outgoing`` tells its direction, ``node`` the other end."""

    type: str
    outgoing: bool
    properties: dict[str, Any]
    node: Node


def driver_native(value: Any) -> Any:
    """A database driver's temporal value (Neo4j's ``Date``, ``DateTime``) as Python's date or
    datetime, so both stores hand out the same values; any other value as it is."""
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value
