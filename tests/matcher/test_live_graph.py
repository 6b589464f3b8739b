"""The live-graph rule's matching, against a naive reference (every place a slot, scipy's
maximum bipartite matching), on random small markets."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from matcher.matching.live_graph import Matching

Graph = tuple[dict[str, list[str]], dict[str, int]]


def reference_size(adj: dict[str, list[str]], cap: dict[str, int]) -> int:
    """Maximum matching with each place a slot of its own: no capacities, no cleverness."""
    slots = [j for j, c in sorted(cap.items()) for _ in range(max(0, c))]
    workers = sorted(adj)
    rows, cols = [], []
    for r, j in enumerate(slots):
        for c, w in enumerate(workers):
            if j in adj[w]:
                rows.append(r)
                cols.append(c)
    if not rows:
        return 0
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(slots), len(workers)))
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


@st.composite
def markets(draw: st.DrawFn) -> Graph:
    n_jobs = draw(st.integers(1, 6))
    n_workers = draw(st.integers(0, 10))
    cap = {f"j{i}": draw(st.integers(0, 3)) for i in range(n_jobs)}
    adj = {
        f"w{i}": sorted(draw(st.sets(st.sampled_from(sorted(cap)), max_size=n_jobs)))
        for i in range(n_workers)
    }
    return adj, cap


def without(adj: dict[str, list[str]], worker: str) -> dict[str, list[str]]:
    return {w: js for w, js in adj.items() if w != worker}


def is_valid(m: Matching) -> bool:
    load: dict[str, int] = {}
    for w, j in m.job_of.items():
        if j not in m.adj.get(w, ()):
            return False
        load[j] = load.get(j, 0) + 1
    return all(n <= m.cap.get(j, 0) for j, n in load.items())


@settings(max_examples=300, deadline=None)
@given(markets())
def test_matching_is_maximum(graph: Graph) -> None:
    adj, cap = graph
    m = Matching(adj, cap)
    assert is_valid(m)
    assert m.size == reference_size(adj, cap)


@settings(max_examples=300, deadline=None)
@given(markets(), st.data())
def test_force_says_whether_the_rest_still_reaches_the_maximum(
    graph: Graph, data: st.DataObject
) -> None:
    adj, cap = graph
    edges = [(w, j) for w, js in adj.items() for j in js if cap[j] > 0]
    if not edges:
        return
    w, j = data.draw(st.sampled_from(edges))
    best = reference_size(adj, cap)
    rest = reference_size(without(adj, w), {**cap, j: cap[j] - 1})
    trial = Matching(adj, cap).force(w, j)
    assert (trial is not None) == (rest + 1 == best)
    if trial is not None:
        assert is_valid(trial)
        assert trial.size == rest
        assert w not in trial.adj


@settings(max_examples=300, deadline=None)
@given(markets(), st.data())
def test_spare_says_whether_the_graph_can_do_without_a_worker(
    graph: Graph, data: st.DataObject
) -> None:
    adj, cap = graph
    if not adj:
        return
    w = data.draw(st.sampled_from(sorted(adj)))
    best = reference_size(adj, cap)
    rest = reference_size(without(adj, w), cap)
    trial = Matching(adj, cap).spare(w)
    assert (trial is not None) == (rest == best)
    if trial is not None:
        assert is_valid(trial)
        assert trial.size == best


@settings(max_examples=200, deadline=None)
@given(markets(), st.data())
def test_offers_made_by_the_rule_never_make_the_maximum_unreachable(
    graph: Graph, data: st.DataObject
) -> None:
    """Jobs ask workers in an arbitrary (fairness) order, one place at a time; whatever
    the order, the places the rule gave away plus the best of the rest is the optimum."""
    adj, cap = graph
    best = reference_size(adj, cap)
    m = Matching(adj, cap)
    given_away: list[tuple[str, str]] = []
    for _ in range(data.draw(st.integers(0, 12))):
        open_jobs = [j for j, c in m.cap.items() if c > 0]
        if not open_jobs:
            break
        job = data.draw(st.sampled_from(sorted(open_jobs)))
        order = data.draw(st.permutations(sorted(w for w, js in m.adj.items() if job in js)))
        for w in order:
            trial = m.force(w, job)
            if trial is not None:
                m = trial
                given_away.append((w, job))
                break
    left_adj = {w: js for w, js in adj.items() if w not in {g for g, _ in given_away}}
    left_cap = dict(cap)
    for _, j in given_away:
        left_cap[j] -= 1
    assert len(given_away) + reference_size(left_adj, left_cap) == best
