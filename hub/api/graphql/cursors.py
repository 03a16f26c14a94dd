"""Opaque page cursors: the offset of an item in its ordered list, or the id of the item.

Offsets, like Relay's ``arrayconnection`` cursors and Neo4j's GraphQL library: a cursor stays
valid for the same ``where`` and ``sort``; items added in between shift the pages. A root list
in its default order (by id, no ``sort``) hands out keyset cursors instead, the id of the item:
the next page is the items after that id, so a department may walk a whole street's residents
(150,000) page by page, each page as cheap as the first, and items added meanwhile shift nothing.

Given to another list (another ``where`` or ``sort``, another type), an offset cursor starts the
page after the same position there, a keyset cursor after the same id in a list in id order; a
sorted list or a relationship refuses a keyset cursor (BAD_USER_INPUT), as it does a cursor this
API never gave.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import lru_cache

from hub.api.errors import ApiError

_PREFIX = "offset:"
_KEY = "after-id:"
# The deepest page start a cursor may name. Offsets cost the store a skip over every row before
# them (ladybug 0.22 crashes past about 12,000), and nobody pages that far: narrow `where`.
MAX_OFFSET = 10_000


# Every connection of a page names its first and last item's cursor, mostly the same few
# offsets (0, the page's last): a lookup instead of base64 work each time.
@lru_cache(maxsize=4096)
def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode()


def encode_key_cursor(node_id: str) -> str:
    """The cursor of the item with this id in a list in id order."""
    return base64.urlsafe_b64encode(f"{_KEY}{node_id}".encode()).decode()


@dataclass(frozen=True, slots=True)
class After:
    """Where a page starts: after ``skip`` items, or after the item with id ``after_id``."""

    skip: int = 0
    after_id: str | None = None


def decode_after(cursor: str | None, *, keyset: bool) -> After:
    """Where the page after ``cursor`` starts in a root list; ``keyset``: the list is in id
    order, where a cursor names the last item's id (an offset cursor is still read)."""
    if cursor is None:
        return After()
    text = _text(cursor)
    if keyset and text is not None and text.startswith(_KEY) and len(text) > len(_KEY):
        return After(after_id=text.removeprefix(_KEY))
    # Sorted, pages are offsets: how to get past the deepest one is to page in id order.
    hint = "" if keyset else "leave out `sort` (pages in id order have no such limit) or "
    return After(skip=decode_cursor(cursor, hint=hint))


def decode_cursor(cursor: str | None, *, hint: str = "") -> int:
    """The offset *after* which a page starts (0 without a cursor)."""
    if cursor is None:
        return 0
    text = _text(cursor)
    if text is not None and text.startswith(_KEY) and len(text) > len(_KEY):
        raise ApiError(
            "after: this cursor is of a root list in id order (without `sort`); a sorted list or a "
            "relationship gives cursors of its own",
            code="BAD_USER_INPUT",
        )
    if text is not None and text.startswith(_PREFIX):
        try:
            offset = int(text.removeprefix(_PREFIX))
        except ValueError:
            offset = -1
        if 0 <= offset < MAX_OFFSET:
            return offset + 1
        if offset >= MAX_OFFSET:
            raise ApiError(
                f"after: pages start within the first {MAX_OFFSET:,} items; {hint}narrow `where` to reach the others"
            )
    raise ApiError(f"after: {cursor!r} is not a cursor this API gave out", code="BAD_USER_INPUT")


def _text(cursor: str) -> str | None:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
