"""The demo: a synthetic district, its department sources, and a guided first query."""
