"""Objects a process keeps for its whole life (or until a rebuild), out of the cyclic garbage
collector's way."""

from __future__ import annotations

import gc

# Off unless a serving process turns it on (`gridhub serve`): a full collection walks every
# object of the process, and a test process, which builds many apps and holds millions of
# objects, would pay it at each app start.
_enabled = False


def keep_long_lived_out_of_gc() -> None:
    """Turn settling on for this process (a server's), and settle what it holds now."""
    global _enabled
    _enabled = True
    settle_long_lived()


def settle_long_lived() -> None:
    """Take what the process holds now out of the cyclic garbage collector's rounds.

    A search index is hundreds of thousands of objects that live until the next rebuild. The
    collector's oldest generation is walked whole every so often, as requests create objects:
    with the 100k district's indexes that walk took 150 ms, a pause of every request in the
    process (the API's p99 at 10 clients was ~250 ms against a p95 of ~50 ms). ``gc.freeze``
    moves every tracked object to a permanent generation those rounds skip. Unfrozen and
    collected first, so a previous index's cycles (if any) are freed rather than kept; what is
    not cyclic is freed by reference counting, frozen or not. A no-op until
    :func:`keep_long_lived_out_of_gc` turned it on."""
    if not _enabled:
        return
    gc.unfreeze()
    gc.collect()
    gc.freeze()
