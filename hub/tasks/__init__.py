"""Task matching (issue 15): the item list and departments (catalog), rules over the graph,
assignment to the responsible grid worker or department, event dispatch, and the lifecycle."""
