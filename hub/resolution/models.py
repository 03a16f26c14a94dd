"""The fitted models' diagnostics, as saved by the last full pass of each type (`gridhub model show`)."""

from __future__ import annotations

from hub.errors import HubError
from hub.state import StateStore
from resolvers.linking import FSModel
from resolvers.linking.diagnostics import ModelDiagnostics, diagnose
from resolvers.linking.presets import get_spec, resolver_for


class NoModelError(HubError):
    """No model has been fitted (for the type asked about)."""


def model_diagnostics(state: StateStore, entity_type: str | None = None) -> list[ModelDiagnostics]:
    """The saved diagnostics of every fitted model, or of ``entity_type``'s (NoModelError if none).

    A model saved before diagnostics were kept has them computed now from the model itself
    (without the run's time, and without pairs per level, which only a fit counts)."""
    saved = state.model_diagnostics()
    wanted = [entity_type] if entity_type is not None else sorted(saved)
    missing = [t for t in wanted if t not in saved]
    if missing or not wanted:
        fitted = f" (models fitted: {', '.join(sorted(saved))})" if saved else ""
        what = f"for {missing[0]} " if missing else ""
        raise NoModelError(
            f"no match model fitted {what}yet{fitted}: a full resolution pass fits one "
            "(`gridhub sync`, or `gridhub resolve --full`)"
        )
    out = []
    for name in wanted:
        text = saved[name]
        if text is not None:
            out.append(ModelDiagnostics.from_json(text))
            continue
        model_json = state.model(name)
        assert model_json is not None
        resolver = resolver_for(name)
        spec = get_spec(resolver) if resolver is not None else None
        out.append(diagnose(FSModel.from_json(model_json), spec, run_id=state.model_run(name) or ""))
    return out
