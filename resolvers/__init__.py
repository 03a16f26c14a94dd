"""Entity resolution: normalise values, link mentions to entities, explain the links."""
