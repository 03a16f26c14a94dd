"""Table definitions of the state database."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# Where an incremental source's last committed batch ended (JSON: {"type": …, "value": …}).
source_cursor = Table(
    "source_cursor",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("cursor", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Durable markers of work begun and not yet finished (a resolution pass owed or under way), so
# that a process killed in between leaves the next run something to go on.
flags = Table(
    "flags",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# The content hash of every current record, so an unchanged row is recognised and skipped.
record_state = Table(
    "record_state",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("record_id", String(400), primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("last_run", String(40), nullable=False),
    # What the record asserts in the graph (JSON: the entity of each role, the relationships
    # between them): a changed row asserting the same leaves its relationships alone.
    Column("assertions", Text, nullable=True),
)

# The declaration each source was last synced with: a digest of it (a changed one re-maps every
# record of the source) and the properties it mapped per entity type (JSON), so that a property
# no longer mapped can be taken off the graph.
source_declaration = Table(
    "source_declaration",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("properties", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(40), nullable=False),
    Column("source", String(100), nullable=False),
    Column("record_id", String(400)),
    Column("error", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Set when a replay wrote the row; the entry stays as history.
    Column("replayed_run", String(40)),
    Index("ix_quarantine_source_pending", "source", "replayed_run"),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(20), nullable=False),
    Column("report", Text),
)

# What the resolver was unsure about, for data stewards (address candidates, merge candidates).
# Append-only: a decision is recorded against the item, the item itself is never rewritten.
review_items = Table(
    "review_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    # What the item is about, stable across runs: the same question is never filed twice.
    Column("subject", String(600), nullable=False, unique=True),
    Column("run_id", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The mentions of entities that are resolved fuzzily (types with a `resolver:` in the schema),
# one row per (source, record, role) of a current record: the resolver's input, and the
# lineage of every value (which record said it, with which trust).
mentions = Table(
    "mentions",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("record_id", String(400), primary_key=True),
    Column("role", String(100), primary_key=True),
    Column("entity_type", String(100), nullable=False),
    Column("entity_id", String(100), nullable=False),
    Column("trust", Integer, nullable=False),
    # Normalised properties, their problems, and context from the same record (the building of
    # the address it lives at, the identifiers of entities it is linked to).
    Column("features", Text, nullable=False),
    Column("run_id", String(40), nullable=False),
    # How the mention came to its entity: "identifier" (keyed by a valid identifier at sync),
    # "new" (an entity of its own so far) or "probabilistic" (the resolution pass merged its
    # entity with another, or moved it). NULL for mentions written before this was kept.
    Column("resolution", String(20), nullable=True),
    Index("ix_mentions_type", "entity_type"),
    Index("ix_mentions_entity", "entity_id"),
    # Mentions written since a run: what an incremental resolution pass starts from.
    Index("ix_mentions_type_run", "entity_type", "run_id"),
)

# Records whose earlier mentions were removed (rewritten or retired), in order: what a columnar
# snapshot of the mention table (hub/resolution/snapshot.py) must drop to catch up.
mention_changes = Table(
    "mention_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("record_id", String(400), nullable=False),
    Column("run_id", String(40), nullable=False),
)

# Entity ids that were merged away, and the survivor they now mean (follow the chain).
aliases = Table(
    "aliases",
    metadata,
    Column("old_id", String(100), primary_key=True),
    Column("new_id", String(100), nullable=False),
    Column("run_id", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # A merge repoints every alias of the entity it folds (chains stay collapsed).
    Index("ix_aliases_new", "new_id"),
)

# The fitted linking model per entity type (JSON), reused by incremental runs and `explain`.
models = Table(
    "models",
    metadata,
    Column("entity_type", String(100), primary_key=True),
    Column("run_id", String(40), nullable=False),
    Column("model", Text, nullable=False),
    # What the fit says about itself (resolvers/linking/diagnostics.py, JSON with the run id and
    # time): `gridhub model show` prints it. Null for a model saved before diagnostics were kept.
    Column("diagnostics", Text),
    Column("fitted_at", DateTime(timezone=True)),
)

# Steward decisions about two mentions: "same", "different" or "unsure". Append-only: a later
# judgement of the same pair supersedes an earlier one, and a revoked one stays with who revoked
# it and when. Judgements name mentions (source, record, role), which outlive entity ids; the
# entities they were about at the time are kept for the record.
judgements = Table(
    "judgements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_type", String(100), nullable=False),
    Column("left_mention", String(700), nullable=False),
    Column("right_mention", String(700), nullable=False),
    Column("left_entity", String(100), nullable=False),
    Column("right_entity", String(100), nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("steward", String(200), nullable=False),
    Column("reason", Text),
    Column("review_item", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(200)),
    Index("ix_judgements_pair", "left_mention", "right_mention"),
    Index("ix_judgements_type", "entity_type"),
)

# API keys of the GraphQL/REST API. Only a SHA-256 of the secret part is kept: the plaintext key
# is shown once, at creation, and cannot be recovered from the database. Revoked keys stay, so the
# audit log's key ids keep naming someone.
api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(40), primary_key=True),  # the public part of the key
    Column("name", String(200), nullable=False),
    Column("secret_hash", String(64), nullable=False),  # hex SHA-256 of the secret part
    Column("scopes", Text, nullable=False),  # JSON list
    # Row-level restriction: JSON lists of Street / Community ids, NULL for no restriction.
    Column("streets", Text),
    Column("communities", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    # Updated at most once a minute per key: a write per request would cost more than the request.
    Column("last_used_at", DateTime(timezone=True)),
)

# Who looked up whom through the API: one row per answered request that returned entities.
# Append-only.
api_audit = Table(
    "api_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("principal", String(300), nullable=False),  # Principal.audit_name
    Column("key_id", String(40)),  # None for a JWT or the anonymous development caller
    Column("method", String(20), nullable=False),  # api_key, jwt or anonymous
    Column("operation", String(300), nullable=False),  # GraphQL operation name or REST route
    Column("entity_type", String(100)),
    Column("entity_ids", Text, nullable=False),  # JSON list
    Column("fields", Text, nullable=False),  # JSON list of the field names returned
    Column("client", String(100)),  # the client's address
    Index("ix_api_audit_at", "at"),
    Index("ix_api_audit_key", "key_id"),
    Index("ix_api_audit_principal", "principal"),
)

# Golden values a steward chose for an entity's property (a conflict resolved by hand): they
# outrank survivorship on every later pass, until revoked. Kept like judgements: append-only,
# with who, when and why; a revoked pin stays, marked.
golden_pins = Table(
    "golden_pins",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_type", String(100), nullable=False),
    Column("entity_id", String(100), nullable=False),
    Column("property", String(200), nullable=False),
    Column("value", Text, nullable=False),  # JSON
    Column("previous", Text),  # JSON: the golden value it replaced (the "before" of the decision)
    Column("steward", String(200), nullable=False),
    Column("reason", Text),
    Column("review_item", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(200)),
    Index("ix_golden_pins_type", "entity_type"),
)

# Tasks (issue 15): the lifecycle of every task a rule or an event opened, authoritative. The
# graph's Task nodes are its projection, written after the row changes: `projected` says whether
# the graph has caught up, and every task run writes what has not.
tasks = Table(
    "tasks",
    metadata,
    Column("id", String(40), primary_key=True),  # the Task node's id, a digest of the fact key
    # What opened it, stable across runs: one fact (origin, subject, period) opens one task.
    Column("fact_key", String(600), nullable=False, unique=True),
    Column("origin", String(100), nullable=False),  # the rule (or event channel) that opened it
    Column("item", String(20), nullable=False),
    Column("level", String(10), nullable=False),
    Column("catalog_version", String(60), nullable=False),  # the item list it was opened under
    Column("subject_label", String(60), nullable=False),
    Column("subject_id", String(200), nullable=False),
    Column("period", String(200), nullable=False),
    # The graph node the task is ABOUT (the subject, or the entity a review item names); None: none.
    Column("about_label", String(60)),
    Column("about_id", String(200)),
    Column("status", String(20), nullable=False),
    Column("assignee_label", String(40)),
    Column("assignee_id", String(100)),
    Column("assignee_code", String(100)),  # worker code or department code, as people type them
    Column("assignee_name", String(200)),
    Column("assignee_level", String(20)),  # grid, community, street or department
    Column("assignment", Text),  # why: the path from the subject to the assignee
    # Where it lies (属地): the grid of its subject, with its community and street.
    Column("grid_id", String(100)),
    Column("grid_code", String(100)),
    Column("community_id", String(100)),
    Column("street_id", String(100)),
    Column("opened_on", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("overdue", Boolean, nullable=False),  # as last written to the graph
    Column("note", Text),
    Column("detail", Text, nullable=False),  # JSON: what the rule said about the fact
    Column("projected", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_tasks_status", "status"),
    Index("ix_tasks_assignee", "assignee_id", "status"),
    Index("ix_tasks_grid", "grid_id"),
    Index("ix_tasks_origin", "origin"),
    Index("ix_tasks_projected", "projected"),
)

# Every change of every task, with who made it, when and why. Append-only.
task_events = Table(
    "task_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", String(40), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(20), nullable=False),  # open, assign, accept, done, return
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("reason", String(40)),  # a return's reason code
    Column("note", Text),
    Column("assignee_id", String(100)),  # the assignee after the change (a return: the one returning)
    # The assignee a return counts against; None when it counts against nobody ("not my grid").
    Column("counts_against", String(100)),
    Index("ix_task_events_task", "task_id"),
)

# Every event (complaint) the hub took in (issue 15, hub/tasks/dispatch.py), one row each: what
# became of it — a task opened, a task it joined (a repeated report), or the dispatchers' queue
# with the reasons — so that none is dropped and a channel sending an event again is answered
# the same. The dispatchers' queue is the rows with outcome "queued".
event_reports = Table(
    "event_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(20), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("raw", Text, nullable=False),  # JSON: the event as the channel sent it
    Column("outcome", String(20), nullable=False),  # task, joined or queued
    Column("task_id", String(40)),  # the task opened or joined
    Column("keys", Text, nullable=False),  # JSON list: the duplicate keys (hub/tasks/events.py)
    Column("reasons", Text, nullable=False),  # JSON list of {"kind", "detail"}: why it is queued
    Column("decision", Text, nullable=False),  # JSON: what intake found (place, item, subjects, notes)
    # waiting (in the queue), dispatched (a task has it: by the hub or by hand), closed (by hand).
    Column("status", String(20), nullable=False),
    Column("handled_by", String(200)),
    Column("handled_at", DateTime(timezone=True)),
    Column("received_by", String(300)),  # the caller that reported it
    # JSON: a dispatcher's answer to a queued event — what they gave it (item, place, note) or
    # why they closed it. Added after the table: nullable, so that older databases gain it.
    Column("settlement", Text),
    Index("ux_event_reports_event", "channel", "event_id", unique=True),
    Index("ix_event_reports_status", "outcome", "status"),
    Index("ix_event_reports_reported", "reported_at"),
)

# Steward decisions that are neither a judgement nor a pin (issue 16): a building picked for an
# address text (an address alias), a quarantined row fixed and replayed, a review item skipped.
# Append-only, kept like judgements: who, when, why, the value before and after; a revoked one
# stays, marked. ``batch`` groups the rows one act made (a pick that answers every open item of
# the same text, a bulk decision): revoking one revokes its batch.
steward_decisions = Table(
    "steward_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch", Integer),
    Column("kind", String(20), nullable=False),  # address, quarantine, skip, bulk
    # What the decision is about: the cleaned address text, "source:record_id" of a fixed row…
    Column("subject", String(700), nullable=False),
    Column("review_item", Integer),
    Column("value", Text, nullable=False),  # JSON: the "after"
    Column("previous", Text),  # JSON: the "before"
    Column("steward", String(200), nullable=False),
    Column("reason", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(200)),
    Index("ix_steward_decisions_subject", "kind", "subject"),
    Index("ix_steward_decisions_item", "review_item"),
)
