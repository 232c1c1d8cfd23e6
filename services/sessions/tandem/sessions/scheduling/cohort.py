"""Cohort timetabling: a series for every mentorship of a program at once (CP-SAT).

Pure: no I/O. The input is what slot finding produced — for each mentorship its candidate
series, each a list of concrete UTC occurrences with a preference cost — plus each person's
time zone and the Tandem sessions people already have. A plan chooses at most one candidate per
mentorship such that nobody has two sessions closer than the buffer, nor more than the caps of
sessions per local day and per ISO week of their own calendar. Placing as many mentorships as
possible comes first; among those plans, the fewest sessions sharing a local day with another
of the same person's sessions, then the lowest preference cost.

`plan_cohort` solves the model; `plan_cohort_greedily` is the one-by-one baseline (each
mentorship in turn takes its cheapest candidate still free), kept for comparison and used as the
solver's first solution.
"""

import bisect
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

Span = tuple[datetime, datetime]
"""An occurrence or a busy time: aware start and end."""

# The placement phase gets this share of the time limit; the spread and preference phase the rest.
PLACEMENT_SHARE = 0.6


@dataclass(frozen=True)
class CandidateSeries:
    """One way to meet regularly: every occurrence, and how much the members would rather not
    (0 is best)."""

    occurrences: tuple[Span, ...]
    cost: int = 0


@dataclass(frozen=True)
class CohortMentorship:
    mentorship_id: UUID
    member_ids: tuple[UUID, ...]
    candidates: tuple[CandidateSeries, ...]


@dataclass(frozen=True)
class CohortRules:
    max_sessions_per_day: int
    max_sessions_per_week: int
    buffer_minutes: int
    # What a session sharing one person's local day with another of their sessions costs, in
    # the unit of `CandidateSeries.cost`.
    crowded_day_cost: int = 100
    time_limit_seconds: float = 20.0
    seed: int = 0
    workers: int = 0  # 0: one CP-SAT worker per core


class UnplacedReason(StrEnum):
    NO_COMMON_TIME = "no_common_time"  # slot finding found no candidate at all
    TAKEN_BY_OTHERS = "taken_by_others"  # every candidate clashes with sessions or caps


class BoundSource(StrEnum):
    SOLVER = "solver"  # CP-SAT's proven bound on the placement objective
    CANDIDATES = "candidates"  # mentorships with a candidate that fits on its own


@dataclass(frozen=True)
class Placement:
    mentorship_id: UUID
    candidate_index: int
    candidate: CandidateSeries


@dataclass(frozen=True)
class Unplaced:
    mentorship_id: UUID
    reason: UnplacedReason


@dataclass(frozen=True)
class CohortPlan:
    placements: tuple[Placement, ...]
    unplaced: tuple[Unplaced, ...]
    bound: int  # no plan places more mentorships
    bound_source: BoundSource
    # The placement phase's CP-SAT status ("optimal": no plan places more), or "greedy".
    status: str
    # The spread and preference phase's CP-SAT status, or "not_run".
    refinement_status: str
    crowded_sessions: int  # sessions sharing one person's local day with another of theirs
    preference_cost: int
    seconds: float


# The instance in integers ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    """One candidate as one member lives it: occurrences in seconds (end extended by the
    buffer) and counts per local day and ISO week."""

    spans: tuple[tuple[int, int], ...]
    days: Counter[int]
    weeks: Counter[int]


def _seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("occurrences and busy times must be aware datetimes")
    return int(moment.astimezone(UTC).timestamp())


def _week_key(moment: datetime) -> int:
    year, week, _ = moment.isocalendar()
    return year * 100 + week


def _item(occurrences: Sequence[Span], zone: ZoneInfo, buffer: int) -> _Item:
    starts = [start.astimezone(zone) for start, _ in occurrences]
    return _Item(
        spans=tuple(
            sorted((_seconds(start), _seconds(end) + buffer) for start, end in occurrences)
        ),
        days=Counter(start.date().toordinal() for start in starts),
        weeks=Counter(_week_key(start) for start in starts),
    )


@dataclass
class _Ledger:
    """One person's booked sessions, and whether more fit."""

    rules: CohortRules
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    longest: int = 0
    days: Counter[int] = field(default_factory=Counter)
    weeks: Counter[int] = field(default_factory=Counter)

    def fits(self, item: _Item) -> bool:
        within_caps = all(
            self.days[day] + n <= self.rules.max_sessions_per_day for day, n in item.days.items()
        ) and all(
            self.weeks[week] + n <= self.rules.max_sessions_per_week
            for week, n in item.weeks.items()
        )
        apart = all(
            end <= start for (_, end), (start, _) in zip(item.spans, item.spans[1:], strict=False)
        )
        return within_caps and apart and not any(self._clashes(*span) for span in item.spans)

    def _clashes(self, start: int, end: int) -> bool:
        k = bisect.bisect_left(self.starts, end)
        while k > 0 and self.starts[k - 1] > start - self.longest:
            k -= 1
            if self.ends[k] > start:
                return True
        return False

    def book(self, item: _Item) -> None:
        for start, end in item.spans:
            k = bisect.bisect_left(self.starts, start)
            self.starts.insert(k, start)
            self.ends.insert(k, end)
            self.longest = max(self.longest, end - start)
        self.days.update(item.days)
        self.weeks.update(item.weeks)


@dataclass
class _Cohort:
    mentorships: Sequence[CohortMentorship]
    rules: CohortRules
    # items[m][c][member]: candidate c of mentorship m as that member lives it.
    items: list[list[dict[UUID, _Item]]]
    booked: dict[UUID, _Item]
    # usable[m]: the candidates that fit their members' booked sessions and caps on their own.
    usable: list[list[int]] = field(default_factory=list)

    @classmethod
    def prepare(
        cls,
        mentorships: Sequence[CohortMentorship],
        time_zones: Mapping[UUID, str],
        rules: CohortRules,
        booked: Mapping[UUID, Sequence[Span]],
    ) -> "_Cohort":
        buffer = rules.buffer_minutes * 60
        zones = {person: ZoneInfo(name) for person, name in time_zones.items()}
        items = [
            [
                {p: _item(c.occurrences, zones[p], buffer) for p in m.member_ids}
                for c in m.candidates
            ]
            for m in mentorships
        ]
        sessions = {p: _item(spans, zones[p], buffer) for p, spans in booked.items() if spans}
        cohort = cls(mentorships, rules, items, sessions)
        ledgers = cohort.fresh_ledgers()
        cohort.usable = [
            [c for c in range(len(m.candidates)) if cohort.fits(ledgers, k, c)]
            for k, m in enumerate(mentorships)
        ]
        return cohort

    def fresh_ledgers(self) -> dict[UUID, _Ledger]:
        """Ledgers holding only the sessions booked before this plan; created when asked for."""
        ledgers: dict[UUID, _Ledger] = _LedgerBook(self)
        return ledgers

    def fits(self, ledgers: Mapping[UUID, _Ledger], m: int, c: int) -> bool:
        return all(ledgers[p].fits(item) for p, item in self.items[m][c].items())

    def book(self, ledgers: Mapping[UUID, _Ledger], m: int, c: int) -> None:
        for p, item in self.items[m][c].items():
            ledgers[p].book(item)

    def by_cost(self, m: int) -> list[int]:
        candidates = self.mentorships[m].candidates
        return sorted(self.usable[m], key=lambda c: candidates[c].cost)

    def fill(self, chosen: dict[int, int]) -> dict[int, int]:
        """`chosen` booked, then every other mentorship in turn given its cheapest candidate
        still free: the greedy from nothing, and after the solver the proof that each unplaced
        mentorship really has no candidate left."""
        ledgers = self.fresh_ledgers()
        for m, c in chosen.items():
            self.book(ledgers, m, c)
        filled = dict(chosen)
        for m in range(len(self.mentorships)):
            if m in filled:
                continue
            free = next((c for c in self.by_cost(m) if self.fits(ledgers, m, c)), None)
            if free is not None:
                self.book(ledgers, m, free)
                filled[m] = free
        return filled

    def crowded_sessions(self, chosen: Mapping[int, int]) -> int:
        days: dict[UUID, Counter[int]] = {p: Counter(s.days) for p, s in self.booked.items()}
        for m, c in chosen.items():
            for p, item in self.items[m][c].items():
                days.setdefault(p, Counter()).update(item.days)
        before = sum(_excess(s.days) for s in self.booked.values())
        return sum(_excess(counts) for counts in days.values()) - before

    def candidate_bound(self) -> int:
        return sum(1 for candidates in self.usable if candidates)

    def outcome(
        self, chosen: Mapping[int, int]
    ) -> tuple[tuple[Placement, ...], tuple[Unplaced, ...]]:
        placements = tuple(
            Placement(self.mentorships[m].mentorship_id, c, self.mentorships[m].candidates[c])
            for m, c in sorted(chosen.items())
        )
        unplaced = tuple(
            Unplaced(
                mentorship.mentorship_id,
                UnplacedReason.TAKEN_BY_OTHERS
                if mentorship.candidates
                else UnplacedReason.NO_COMMON_TIME,
            )
            for k, mentorship in enumerate(self.mentorships)
            if k not in chosen
        )
        return placements, unplaced


class _LedgerBook(dict[UUID, _Ledger]):
    """Ledgers by person, each starting from the person's booked sessions."""

    def __init__(self, cohort: _Cohort) -> None:
        super().__init__()
        self.cohort = cohort

    def __missing__(self, person: UUID) -> _Ledger:
        ledger = _Ledger(self.cohort.rules)
        if person in self.cohort.booked:
            ledger.book(self.cohort.booked[person])
        self[person] = ledger
        return ledger


def _excess(days: Counter[int]) -> int:
    return sum(n - 1 for n in days.values() if n > 1)


# The model -------------------------------------------------------------------------------------


class _Model:
    """At most one candidate per mentorship; per person with several mentorships, no two
    occurrences closer than the buffer (an at-most-one over every maximal set of their
    occurrences that overlap in time) and the caps; the crowded days of everyone as costs."""

    def __init__(self, cohort: _Cohort) -> None:
        self.cohort = cohort
        self.model = cp_model.CpModel()
        self.chosen = {
            (m, c): self.model.new_bool_var(f"m{m}c{c}")
            for m, candidates in enumerate(cohort.usable)
            for c in candidates
        }
        for m, candidates in enumerate(cohort.usable):
            self.model.add_at_most_one(self.chosen[m, c] for c in candidates)
        self.placed = cp_model.LinearExpr.sum(list(self.chosen.values()))
        self.crowding: list[cp_model.LinearExprT] = []
        for person, mentorships in self._mentorships_by_person().items():
            if len(mentorships) > 1:
                self._keep_apart(person, mentorships)
                self._cap(person, mentorships, "days", cohort.rules.max_sessions_per_day)
                self._cap(person, mentorships, "weeks", cohort.rules.max_sessions_per_week)
            self._count_crowding(person, mentorships)

    def _mentorships_by_person(self) -> dict[UUID, list[int]]:
        by_person: dict[UUID, list[int]] = {}
        for m, candidates in enumerate(self.cohort.usable):
            if candidates:
                for person in self.cohort.mentorships[m].member_ids:
                    by_person.setdefault(person, []).append(m)
        return by_person

    def _terms(self, person: UUID, mentorships: Iterable[int]) -> Iterable[tuple[int, int, _Item]]:
        for m in mentorships:
            for c in self.cohort.usable[m]:
                yield m, c, self.cohort.items[m][c][person]

    def _keep_apart(self, person: UUID, mentorships: list[int]) -> None:
        # Interval graphs have their maximal cliques at the sweep's turns from starts to ends;
        # an at-most-one per clique is the tightest linear form of "no overlap".
        events = sorted(
            (moment, is_start, m, c)
            for m, c, item in self._terms(person, mentorships)
            for start, end in item.spans
            for moment, is_start in ((start, 1), (end, 0))
        )
        active: Counter[tuple[int, int]] = Counter()
        growing = False
        cliques: set[frozenset[tuple[int, int]]] = set()
        for _, is_start, m, c in events:
            if is_start:
                active[m, c] += 1
                growing = True
                continue
            if growing and len({m for m, _ in active}) > 1:
                cliques.add(frozenset(active))
            growing = False
            active[m, c] -= 1
            if not active[m, c]:
                del active[m, c]
        for clique in cliques:
            self.model.add_at_most_one(self.chosen[key] for key in clique)

    def _cap(self, person: UUID, mentorships: list[int], period: str, cap: int) -> None:
        booked = self.cohort.booked.get(person)
        terms: dict[int, list[tuple[int, int, int]]] = {}
        for m, c, item in self._terms(person, mentorships):
            for key, n in getattr(item, period).items():
                terms.setdefault(key, []).append((m, c, n))
        for key, counted in terms.items():
            room = cap - (getattr(booked, period)[key] if booked else 0)
            most: dict[int, int] = {}
            for m, _, n in counted:
                most[m] = max(most.get(m, 0), n)
            if sum(most.values()) > room:
                self.model.add(sum(n * self.chosen[m, c] for m, c, n in counted) <= room)

    def _count_crowding(self, person: UUID, mentorships: list[int]) -> None:
        """Sessions on one of the person's local days beyond the first, as `crowded_sessions`
        counts them; linear where the day already holds a booked session or only one
        mentorship can land on it."""
        booked = self.cohort.booked.get(person)
        terms: dict[int, list[tuple[int, int, int]]] = {}
        for m, c, item in self._terms(person, mentorships):
            for day, n in item.days.items():
                terms.setdefault(day, []).append((m, c, n))
        for day, counted in terms.items():
            if booked and booked.days[day]:
                self.crowding.extend(n * self.chosen[m, c] for m, c, n in counted)
            elif len({m for m, _, _ in counted}) > 1:
                excess = self.model.new_int_var(0, sum(n for _, _, n in counted), "crowded")
                sessions = sum(n * self.chosen[m, c] for m, c, n in counted)
                self.model.add(excess >= sessions - 1)
                self.crowding.append(excess)
            else:
                self.crowding.extend((n - 1) * self.chosen[m, c] for m, c, n in counted if n > 1)

    def _solve(self, hint: Mapping[int, int], seconds: float) -> tuple[dict[int, int], str]:
        """The solver's answer from `hint` (the hint itself when it found none) and its
        status."""
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        for (m, c), var in self.chosen.items():
            self.model.add_hint(var, hint.get(m) == c)
        self.solver = cp_model.CpSolver()
        self.solver.parameters.max_time_in_seconds = seconds
        self.solver.parameters.random_seed = self.cohort.rules.seed
        self.solver.parameters.num_workers = self.cohort.rules.workers
        status = self.solver.solve(self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return dict(hint), self.solver.status_name(status).lower()
        chosen = {m: c for (m, c), var in self.chosen.items() if self.solver.boolean_value(var)}
        return chosen, self.solver.status_name(status).lower()

    def place(
        self, hint: Mapping[int, int], seconds: float
    ) -> tuple[dict[int, int], int | None, str]:
        """The most mentorships placed, and the solver's proven bound on that count if any."""
        self.model.maximize(self.placed)
        chosen, status = self._solve(hint, seconds)
        solved = status in ("optimal", "feasible")
        return chosen, int(self.solver.best_objective_bound + 1e-6) if solved else None, status

    def refine(self, hint: Mapping[int, int], seconds: float) -> tuple[dict[int, int], str]:
        """As many placed as `hint`, with the fewest crowded sessions, then the cheapest."""
        candidates = [m.candidates for m in self.cohort.mentorships]
        self.model.add(self.placed >= len(hint))
        self.model.minimize(
            self.cohort.rules.crowded_day_cost * cp_model.LinearExpr.sum(self.crowding)
            + cp_model.LinearExpr.weighted_sum(
                list(self.chosen.values()),
                [candidates[m][c].cost for m, c in self.chosen],
            )
        )
        return self._solve(hint, seconds)


# The planners ----------------------------------------------------------------------------------


def plan_cohort(
    mentorships: Sequence[CohortMentorship],
    time_zones: Mapping[UUID, str],
    rules: CohortRules,
    booked: Mapping[UUID, Sequence[Span]] | None = None,
) -> CohortPlan:
    """The timetable of the cohort: as many mentorships placed as possible, then spread, then
    preferred. `time_zones` holds every member's IANA zone; `booked`, the Tandem sessions
    people already have (they count for the buffer and the caps)."""
    started = time.perf_counter()
    cohort = _Cohort.prepare(mentorships, time_zones, rules, booked or {})
    model = _Model(cohort)
    placing_time = started + PLACEMENT_SHARE * rules.time_limit_seconds - time.perf_counter()
    chosen, solver_bound, status = model.place(cohort.fill({}), max(placing_time, 0.1))
    chosen = cohort.fill(chosen)
    refinement_status = "not_run"
    refining_time = started + rules.time_limit_seconds - time.perf_counter()
    if refining_time > 0.1:
        chosen, refinement_status = model.refine(chosen, refining_time)
        chosen = cohort.fill(chosen)
    bound, source = cohort.candidate_bound(), BoundSource.CANDIDATES
    if solver_bound is not None and solver_bound <= bound:
        bound, source = solver_bound, BoundSource.SOLVER
    return _plan(cohort, chosen, bound, source, (status, refinement_status), started)


def plan_cohort_greedily(
    mentorships: Sequence[CohortMentorship],
    time_zones: Mapping[UUID, str],
    rules: CohortRules,
    booked: Mapping[UUID, Sequence[Span]] | None = None,
) -> CohortPlan:
    """The baseline: each mentorship in the given order takes its cheapest candidate that is
    still free. Same input and rules as `plan_cohort` (its time limit and seed unused)."""
    started = time.perf_counter()
    cohort = _Cohort.prepare(mentorships, time_zones, rules, booked or {})
    chosen = cohort.fill({})
    statuses = ("greedy", "not_run")
    return _plan(
        cohort, chosen, cohort.candidate_bound(), BoundSource.CANDIDATES, statuses, started
    )


def _plan(
    cohort: _Cohort,
    chosen: Mapping[int, int],
    bound: int,
    source: BoundSource,
    statuses: tuple[str, str],
    started: float,
) -> CohortPlan:
    placements, unplaced = cohort.outcome(chosen)
    return CohortPlan(
        placements=placements,
        unplaced=unplaced,
        bound=bound,
        bound_source=source,
        status=statuses[0],
        refinement_status=statuses[1],
        crowded_sessions=cohort.crowded_sessions(chosen),
        preference_cost=sum(p.candidate.cost for p in placements),
        seconds=time.perf_counter() - started,
    )
