"""Conditions with the tests that another part of them already implies left out.

A caller restricted to a street asks for the elderly of a grid in that street. Its condition
says the same thing many times over: the persons live at an address in the grid *and* are
placed in the street; each address looked at is in the street; each building too. Written as
asked, every row of the walk from the grid runs a chain of ``EXISTS`` subqueries up to the
street: 40 ms on the 100k district (ladybug) where the same question unrestricted takes 3 ms.

Most of those tests follow from the others. "Some address over LIVES_AT is in the street"
holds whenever "some address over LIVES_AT is in the grid and (among those the caller may
see) in the street" does, and the latter is part of the condition. :func:`without_implied`
drops a part of an ``AllOf`` that another part implies, by these rules, applied recursively:

- a test implies itself;
- ``some neighbour over R (of type F) satisfies P1 ∧ … ∧ Pn`` is implied by ``some neighbour
  over R (of type F) satisfies Q1 ∧ … ∧ Qm`` when every Pi is implied by some Qj (the same
  neighbour then satisfies all of the Pi);
- a conjunction implies what one of its parts implies, and what all of them do together; a
  disjunction implies what each of its parts implies, and each of its parts implies it.

``among`` (the neighbours a restricted caller may look at) is part of what a ``some``
neighbour satisfies, so the two are simplified together into its ``where``; for ``none`` and
``all`` it plays another role, and there each side is simplified on its own. Nothing else is
inferred (no ranges, no ``IN`` lists). The rules are sound in any position (inside NOT and OR
too): an ``AllOf`` without a part that another of its parts implies means the same.
"""

from __future__ import annotations

from hub.store.query import AllOf, AnyOf, Condition, CountOf, Not, Quantifier, Related, conjuncts, satisfied


def without_implied(condition: Condition) -> Condition:
    """``condition`` with every part of an ``AllOf`` that another part implies left out."""
    match condition:
        case AllOf(parts):
            kept = _strongest([without_implied(p) for p in parts])
            return kept[0] if len(kept) == 1 else AllOf(tuple(kept))
        case AnyOf((part,)):
            return without_implied(part)
        case AnyOf(parts):
            return AnyOf(tuple(without_implied(p) for p in parts))
        case Not(part):
            return Not(without_implied(part))
        case Related(rel, outgoing, label, Quantifier.SOME, _, _):
            # Some neighbour satisfies where ∧ among: one conjunction, simplified as a whole
            # (the where first: a store walking from an anchored node tries its parts in order).
            kept = _strongest([without_implied(p) for p in satisfied(condition)])
            return Related(rel, outgoing, label, Quantifier.SOME, _all(kept))
        case Related(rel, outgoing, label, quantifier, where, among):
            return Related(
                rel,
                outgoing,
                label,
                quantifier,
                None if where is None else without_implied(where),
                None if among is None else without_implied(among),
            )
        case CountOf(rel, outgoing, label, tests, where):
            return CountOf(rel, outgoing, label, tests, None if where is None else without_implied(where))
    return condition


def implies(stronger: Condition, weaker: Condition) -> bool:
    """Whether ``stronger`` implies ``weaker`` by the rule above (False when it cannot tell)."""
    if stronger == weaker:
        return True
    match stronger, weaker:
        case Related(rel, out, label, Quantifier.SOME, _, _), Related(
            rel2, out2, label2, Quantifier.SOME, _, _
        ):
            if (rel, out, label) != (rel2, out2, label2):
                return False
            have = satisfied(stronger)
            return all(any(implies(h, w) for h in have) for w in satisfied(weaker))
        case _, AllOf(parts):
            return all(implies(stronger, p) for p in parts)
        case AllOf(parts), _:
            return any(implies(p, weaker) for p in parts)
        case AnyOf(parts), _:
            return all(implies(p, weaker) for p in parts)
        case _, AnyOf(parts):
            return any(implies(stronger, p) for p in parts)
    return False


def _strongest(parts: list[Condition]) -> list[Condition]:
    """``parts`` (flattened) without those a kept part implies; of equal ones, the first.

    Each part is dropped only for one that is kept at that moment, and a kept part is replaced
    only by one that implies it: so what is kept always implies what was dropped (implication
    is transitive even where the rules above do not see it)."""
    kept: list[Condition] = []
    for part in (q for p in parts for q in conjuncts(p)):
        if any(implies(k, part) for k in kept):
            continue
        weaker = [i for i, k in enumerate(kept) if implies(part, k)]
        if weaker:
            # The stronger part takes the place of the first it replaces (order matters to a
            # store that tries a condition's parts in turn).
            kept[weaker[0]] = part
            kept = [k for i, k in enumerate(kept) if i not in weaker[1:]]
        else:
            kept.append(part)
    return kept


def _all(parts: list[Condition]) -> Condition | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))
