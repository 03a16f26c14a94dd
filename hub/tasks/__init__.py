"""Task matching (issue 15): facts found by rules over the graph become tasks for the grid worker
or department responsible, with deadlines and a lifecycle.

- ``catalog.py`` — the departments and the item list (事项清单), as versioned config;
- ``rules.py`` — matching rules as config (config/tasks/rules/*.yaml), and the facts they yield;
- ``facts.py`` — running a rule: its query's rows (or the state's review backlog) as facts;
- ``places.py`` — a subject's place (address → building → grid) and the district's grids,
  workers and departments;
- ``assign.py`` — who does a task, and the path that says why;
- ``workdays.py`` — deadlines in working days (config/tasks/calendar.yaml);
- ``lifecycle.py`` — statuses, transitions, return reasons;
- ``run.py`` — the daily run: facts → tasks (``open_facts``, also for event dispatch), written
  to the state database and projected into the graph (``graph.py``);
- ``changes.py`` — a task's status changes (accept, done, return, assign by hand).
"""
