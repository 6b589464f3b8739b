"""The fairness cost of a matching policy: how unevenly it spreads offers among people
it should treat alike.

A matcher that protects scarce workers for the jobs only they can do could, carelessly,
ask the same few people all day while their equals wait. ``offer_gini`` measures that on
a simulated day: the Gini coefficient of offers received within each group of equally
qualified workers (the same true skills and the same reach), averaged over the groups,
weighted by their size. 0 is perfectly even.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def gini(values: Sequence[int]) -> float:
    """0 when everyone got the same, towards 1 when one person got everything."""
    n = len(values)
    total = sum(values)
    if n < 2 or total == 0:
        return 0.0
    ordered = sorted(values)
    weighted = sum((i + 1) * v for i, v in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n


def offer_gini(groups: Sequence[Hashable], offers: dict[int, int]) -> float:
    """``groups[i]``: the qualification of worker ``i``; ``offers[i]``: offers they got."""
    members: dict[Hashable, list[int]] = {}
    for i, key in enumerate(groups):
        members.setdefault(key, []).append(i)
    weight = 0
    acc = 0.0
    for people in members.values():
        if len(people) < 2:
            continue
        acc += gini([offers.get(i, 0) for i in people]) * len(people)
        weight += len(people)
    return round(acc / weight, 4) if weight else 0.0
