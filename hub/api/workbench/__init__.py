"""The review workbench: a page at /review where data stewards go through the review queue,
compare the records behind an item side by side, read why the resolver scored them as it did,
and decide (same / different / unsure) with the mouse or the keyboard.

Plain HTML, one small JavaScript module and a stylesheet in ``static/``, served by the hub
itself; the page reads and writes through the steward's JSON routes with the steward's API key.
"""

from hub.api.workbench.routes import workbench_router

__all__ = ["workbench_router"]
