"""The review workbench: a page at /review where data stewards go through the review queue,
compare the records behind an item side by side, read why the resolver scored them as it did,
and decide (same / different / unsure) with the mouse or the keyboard; open an entity's page
(its records, value lineage, decisions and neighbourhood) and search by name, ID or address.

Plain HTML, two small JavaScript modules (workbench.js; entity.js for the entity page and the
search) and a stylesheet in ``static/``, served by the hub itself; the page reads and writes
through the steward's JSON routes with the steward's API key. A steward restricted to some
streets sees only what lies there (scope.py).
"""

from hub.api.workbench.routes import workbench_router

__all__ = ["workbench_router"]
