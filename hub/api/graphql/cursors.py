"""Opaque page cursors: the offset of an item in its ordered list.

Offsets, like Relay's ``arrayconnection`` cursors and Neo4j's GraphQL library: a cursor stays
valid for the same ``where`` and ``sort``; items added in between shift the pages (keyset
cursors would not, but need a unique sort key per field combination).
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache

from hub.api.errors import ApiError

_PREFIX = "offset:"
# The deepest page start a cursor may name. Offsets cost the store a skip over every row before
# them (ladybug 0.22 crashes past about 12,000), and nobody pages that far: narrow `where`.
MAX_OFFSET = 10_000


# Every connection of a page names its first and last item's cursor, mostly the same few
# offsets (0, the page's last): a lookup instead of base64 work each time.
@lru_cache(maxsize=4096)
def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The offset *after* which a page starts (0 without a cursor)."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(_PREFIX):
            offset = int(text.removeprefix(_PREFIX))
            if 0 <= offset < MAX_OFFSET:
                return offset + 1
            if offset >= MAX_OFFSET:
                raise ApiError(
                    f"after: pages start within the first {MAX_OFFSET:,} items; narrow `where` to reach the others"
                )
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ApiError(f"after: {cursor!r} is not a cursor this API gave out", code="BAD_USER_INPUT")
