"""Exports of the graph for other tools: the crosswalk (cross-reference) table."""
