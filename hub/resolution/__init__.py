"""Entity resolution: after a sync has written its records, the mentions of every type with a
resolver are clustered (blocking, Fellegi–Sunter scoring, clustering with judgements), entities
that turn out to be one are merged in the graph, and their golden values are recomputed.

The pass starts in :mod:`hub.resolution.passes`; the linking itself is :mod:`resolvers.linking`'s.
"""
