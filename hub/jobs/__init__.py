"""Write jobs (sync, resolve, steward decisions, quarantine replay): one implementation, run by
the CLI on the store itself, or by the API server that holds the embedded store (its local
channel, hub/jobs/channel.py), so that writing never needs the API taken down."""

from hub.jobs.commands import COMMANDS, JobError, JobResult, run_job
from hub.jobs.decision_commands import DECISION_COMMANDS

COMMANDS.update(DECISION_COMMANDS)  # the decisions of issue 16 (hub/jobs/decision_commands.py)

__all__ = ["COMMANDS", "JobError", "JobResult", "run_job"]
