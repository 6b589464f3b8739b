"""Offers that keep the best day reachable: the live graph of open places and free workers.

A greedy matcher asks the best-ranked worker for each new job. On a market's first day,
with no history to forecast from, that strands jobs: the one welder in the hall, who is
also a labourer, is asked for the first labouring job, and the welding job posted a
second later finds nobody. Nothing learnt from earlier days can prevent that; looking at
today's graph can.

The graph: today's open jobs (each with its remaining places) and the free workers
eligible for them (their candidate sets, which are small). Pending offers that cover a
place (the first ``remaining`` of a job, oldest first: the *primaries*) are taken as
decided: those workers and places are out of the graph. Before the matcher asks a worker,
it checks on a maximum matching of what is left:

- for a place no pending offer covers yet, that giving it to this worker still leaves a
  maximum matching of the rest (``Matching.force``);
- for a second, stand-by offer (a place already asked), that the graph can spare the
  worker altogether (``Matching.spare``): whichever of the two accepts, the rest still
  completes to a maximum matching.

Among the workers that pass, the published fairness order decides as before. Each
check repairs the matching with one augmenting search from the two vertices the choice
disturbed (Kuhn's algorithm with job capacities), so it costs one pass over the edges at
most; the candidate sets keep the edges to a few thousand even with 10,000 workers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

__all__ = ["Matching"]


class Matching:
    """A maximum matching of workers to jobs with capacities (places)."""

    def __init__(self, adjacency: Mapping[str, Sequence[str]], capacity: Mapping[str, int]) -> None:
        self.adj: dict[str, list[str]] = {w: list(js) for w, js in adjacency.items()}
        self.cap: dict[str, int] = {j: max(0, c) for j, c in capacity.items()}
        self.job_of: dict[str, str] = {}
        self.holders: dict[str, set[str]] = {j: set() for j in self.cap}
        self._fill(list(self.adj))

    # -- the matching ---------------------------------------------------------------------

    @property
    def size(self) -> int:
        return len(self.job_of)

    def copy(self) -> Matching:
        other = Matching.__new__(Matching)
        other.adj = self.adj  # shared: copies never change adjacency lists in place
        other.cap = dict(self.cap)
        other.job_of = dict(self.job_of)
        other.holders = {j: set(ws) for j, ws in self.holders.items()}
        return other

    def _assign(self, worker: str, job: str) -> None:
        old = self.job_of.get(worker)
        if old is not None:
            self.holders[old].discard(worker)
        self.job_of[worker] = job
        self.holders.setdefault(job, set()).add(worker)

    def _unassign(self, worker: str) -> str | None:
        job = self.job_of.pop(worker, None)
        if job is not None:
            self.holders[job].discard(worker)
        return job

    def _fill(self, roots: Iterable[str]) -> int:
        """Augment from each unmatched root; returns how many found a place."""
        found = 0
        seen: set[str] = set()
        for w in roots:
            if w in self.job_of or w not in self.adj:
                continue
            if self._search(w, seen):
                found += 1
                seen = set()
        return found

    def _search(self, worker: str, seen: set[str]) -> bool:
        """Recursive form of the augmenting search (depth is bounded by the jobs)."""
        for j in self.adj.get(worker, ()):
            if j in seen or j not in self.cap:
                continue
            seen.add(j)
            if len(self.holders.get(j, ())) < self.cap[j]:
                self._assign(worker, j)
                return True
            for h in sorted(self.holders[j]):
                if h != worker and self._search(h, seen):
                    self._assign(worker, j)
                    return True
        return False

    # -- questions the matcher asks ---------------------------------------------------------

    def force(self, worker: str, job: str) -> Matching | None:
        """The matching once ``worker`` takes a place of ``job`` for good (both leave the
        graph), if the rest still reaches this size less one; else None."""
        if self.cap.get(job, 0) < 1:
            return None
        trial = self.copy()
        if trial.job_of.get(worker) == job:
            trial._unassign(worker)
            trial.cap[job] -= 1
            trial._drop(worker)
            return trial
        freed = trial._unassign(worker)
        trial._drop(worker)
        trial.cap[job] -= 1
        bumped: str | None = None
        if len(trial.holders[job]) > trial.cap[job]:
            bumped = min(trial.holders[job])
            trial._unassign(bumped)
        lost = (freed is not None) + (bumped is not None)
        if lost <= 1:
            return trial
        # Two lost: one augmenting search from the bumped worker, or into the freed job.
        roots = [bumped] if bumped else []
        roots += [w for w in trial.adj if w not in trial.job_of and w != bumped]
        if trial._fill_one(roots):
            return trial
        return None

    def spare(self, worker: str) -> Matching | None:
        """The matching without ``worker`` at all, if it keeps this size; else None."""
        trial = self.copy()
        freed = trial._unassign(worker)
        trial._drop(worker)
        if freed is None:
            return trial
        roots = [w for w in trial.adj if w not in trial.job_of]
        if trial._fill_one(roots):
            return trial
        return None

    def _fill_one(self, roots: Iterable[str]) -> bool:
        seen: set[str] = set()
        return any(w not in self.job_of and w in self.adj and self._search(w, seen) for w in roots)

    def _drop(self, worker: str) -> None:
        if worker in self.adj:
            self.adj = {w: js for w, js in self.adj.items() if w != worker}

    def add_edge(self, worker: str, job: str) -> None:
        """A worker found eligible on the spot (beyond the candidate sets)."""
        jobs = self.adj.get(worker)
        if jobs is None:
            self.adj = {**self.adj, worker: [job]}
            self._fill_one([worker])
        elif job not in jobs:
            self.adj = {**self.adj, worker: [*jobs, job]}
            if worker not in self.job_of:
                self._fill_one([worker])
