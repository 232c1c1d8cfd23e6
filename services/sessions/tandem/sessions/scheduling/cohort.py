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
import math
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

Span = tuple[datetime, datetime]
"""An occurrence or a busy time: aware start and end."""

# Groups of linked mentorships go to CP-SAT together up to this many mentorships: a model costs
# milliseconds to build, and proving a union of independent groups optimal gets harder with
# every group in it (measured on 2,000 mentorships: 20 was fastest, 60 several times slower).
BATCH_MENTORSHIPS = 20


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
    workers: int = 1  # CP-SAT workers per batch; one proves small batches fastest


class UnplacedReason(StrEnum):
    NO_COMMON_TIME = "no_common_time"  # slot finding found no candidate at all
    TAKEN_BY_OTHERS = "taken_by_others"  # every candidate clashes with sessions or caps


class BoundSource(StrEnum):
    # Per group of mentorships linked by shared people, CP-SAT's proven bound (a lone
    # mentorship's is exact).
    SOLVER = "solver"
    # Mentorships with a candidate that fits on its own (a group the solver found nothing for
    # counts this way too).
    CANDIDATES = "candidates"


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
    # "optimal": no plan places more, nor as many with fewer crowded sessions and then a lower
    # cost; "feasible": a group of mentorships ran out of time; "greedy": the baseline.
    status: str
    crowded_sessions: int  # sessions sharing one person's local day with another of theirs
    preference_cost: int
    seconds: float


# The instance in integers ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    """One candidate as one member lives it: occurrences in seconds (end extended by the
    buffer) and counts per local day and ISO week."""

    spans: tuple[tuple[int, int], ...]
    days: dict[int, int]
    weeks: dict[int, int]

    def keeps(self, rules: "CohortRules") -> bool:
        """Whether the candidate keeps the caps and the buffer on its own."""
        return (
            max(self.days.values(), default=0) <= rules.max_sessions_per_day
            and max(self.weeks.values(), default=0) <= rules.max_sessions_per_week
            and all(
                end <= start
                for (_, end), (start, _) in zip(self.spans, self.spans[1:], strict=False)
            )
        )


def _seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("occurrences and busy times must be aware datetimes")
    return int(moment.timestamp())


def _week_key(moment: datetime) -> int:
    year, week, _ = moment.isocalendar()
    return year * 100 + week


class _Calendar:
    """Local day and ISO week of instants in one zone, remembered: a cohort's occurrences
    start on few distinct instants."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.known: dict[datetime, tuple[int, int]] = {}

    def day_and_week(self, moment: datetime) -> tuple[int, int]:
        if moment not in self.known:
            local = moment.astimezone(self.zone)
            self.known[moment] = (local.date().toordinal(), _week_key(local))
        return self.known[moment]

    def item(self, occurrences: Sequence[Span], buffer: int) -> _Item:
        return self.item_with(occurrences, _spans(occurrences, buffer))

    def item_with(self, occurrences: Sequence[Span], spans: tuple[tuple[int, int], ...]) -> _Item:
        days: dict[int, int] = {}
        weeks: dict[int, int] = {}
        for start, _ in occurrences:
            day, week = self.day_and_week(start)
            days[day] = days.get(day, 0) + 1
            weeks[week] = weeks.get(week, 0) + 1
        return _Item(spans, days, weeks)


def _spans(occurrences: Sequence[Span], buffer: int) -> tuple[tuple[int, int], ...]:
    return tuple(sorted((_seconds(start), _seconds(end) + buffer) for start, end in occurrences))


def _items(
    candidate: "CandidateSeries", calendars: Sequence[_Calendar], buffer: int
) -> list[_Item]:
    """The candidate as each of the calendars lives it; members in one zone share an item."""
    spans = _spans(candidate.occurrences, buffer)
    by_zone = {
        calendar.zone.key: calendar.item_with(candidate.occurrences, spans)
        for calendar in set(calendars)
    }
    return [by_zone[calendar.zone.key] for calendar in calendars]


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
        if not item.keeps(self.rules):
            return False
        within_caps = all(
            self.days[day] + n <= self.rules.max_sessions_per_day for day, n in item.days.items()
        ) and all(
            self.weeks[week] + n <= self.rules.max_sessions_per_week
            for week, n in item.weeks.items()
        )
        return within_caps and not any(self._clashes(*span) for span in item.spans)

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
        calendars = {name: _Calendar(ZoneInfo(name)) for name in set(time_zones.values())}
        zones = {person: calendars[name] for person, name in time_zones.items()}
        items = [
            [
                dict(
                    zip(
                        m.member_ids,
                        _items(c, [zones[p] for p in m.member_ids], buffer),
                        strict=True,
                    )
                )
                for c in m.candidates
            ]
            for m in mentorships
        ]
        sessions = {p: zones[p].item(spans, buffer) for p, spans in booked.items() if spans}
        cohort = cls(mentorships, rules, items, sessions)
        ledgers = cohort.fresh_ledgers()
        cohort.usable = [
            [
                c
                for c, items in enumerate(items[k])
                if all(
                    ledgers[p].fits(item) if p in sessions else item.keeps(rules)
                    for p, item in items.items()
                )
            ]
            for k in range(len(mentorships))
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

    def mentorships_by_person(self, mentorships: Iterable[int]) -> dict[UUID, list[int]]:
        by_person: dict[UUID, list[int]] = {}
        for m in mentorships:
            for person in self.mentorships[m].member_ids:
                by_person.setdefault(person, []).append(m)
        return by_person

    def components(self) -> list[list[int]]:
        """The placeable mentorships in groups linked by shared people (union-find)."""
        placeable = [m for m, usable in enumerate(self.usable) if usable]
        parent = {m: m for m in placeable}

        def root(m: int) -> int:
            while parent[m] != m:
                parent[m] = parent[parent[m]]
                m = parent[m]
            return m

        for linked in self.mentorships_by_person(placeable).values():
            for m in linked[1:]:
                parent[root(m)] = root(linked[0])
        groups: dict[int, list[int]] = {}
        for m in placeable:
            groups.setdefault(root(m), []).append(m)
        return list(groups.values())

    def best_alone(self, m: int) -> int:
        """The best candidate of a mentorship that shares nobody with another: its crowding
        is its own (days it shares with booked sessions, or two occurrences on one day)."""
        candidates = self.mentorships[m].candidates

        def crowding(c: int) -> int:
            return sum(
                n if person in self.booked and day in self.booked[person].days else n - 1
                for person, item in self.items[m][c].items()
                for day, n in item.days.items()
            )

        return min(
            self.usable[m],
            key=lambda c: self.rules.crowded_day_cost * crowding(c) + candidates[c].cost,
        )

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


def _excess(days: Mapping[int, int]) -> int:
    return sum(n - 1 for n in days.values() if n > 1)


# The model -------------------------------------------------------------------------------------


class _Model:
    """One component of the cohort (mentorships linked by shared people): at most one candidate
    per mentorship; per person with several mentorships, no two occurrences closer than the
    buffer (an at-most-one over every maximal set of their occurrences that overlap in time)
    and the caps; crowded days counted for everyone. One objective, lexicographic by weight:
    placed first, then crowding and preference."""

    def __init__(self, cohort: _Cohort, component: list[int]) -> None:
        self.cohort = cohort
        self.model = cp_model.CpModel()
        self.chosen = {
            (m, c): self.model.new_bool_var(f"m{m}c{c}")
            for m in component
            for c in cohort.usable[m]
        }
        for m in component:
            self.model.add_at_most_one(self.chosen[m, c] for c in cohort.usable[m])
        self.crowding: list[cp_model.LinearExprT] = []
        for person, mentorships in cohort.mentorships_by_person(component).items():
            if len(mentorships) > 1:
                self._keep_apart(person, mentorships)
                self._cap(person, mentorships, "days", cohort.rules.max_sessions_per_day)
                self._cap(person, mentorships, "weeks", cohort.rules.max_sessions_per_week)
            if len(mentorships) > 1 or person in cohort.booked:
                self._count_crowding(person, mentorships)
            else:
                self._count_own_crowding(person, mentorships[0])

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
            room = cap - (getattr(booked, period).get(key, 0) if booked else 0)
            most: dict[int, int] = {}
            for m, _, n in counted:
                most[m] = max(most.get(m, 0), n)
            if sum(most.values()) > room:
                self.model.add(self._sessions(counted) <= room)

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
            if booked and day in booked.days:
                self.crowding.extend(n * self.chosen[m, c] for m, c, n in counted)
            elif len({m for m, _, _ in counted}) > 1:
                excess = self.model.new_int_var(0, sum(n for _, _, n in counted), "crowded")
                self.model.add(excess >= self._sessions(counted) - 1)
                self.crowding.append(excess)
            else:
                self.crowding.extend((n - 1) * self.chosen[m, c] for m, c, n in counted if n > 1)

    def _count_own_crowding(self, person: UUID, m: int) -> None:
        """`_count_crowding` for someone with one mentorship and nothing booked: only a
        candidate with two occurrences on one of their days crowds it."""
        for c in self.cohort.usable[m]:
            days = self.cohort.items[m][c][person].days
            crowded = sum(n - 1 for n in days.values())
            if crowded:
                self.crowding.append(crowded * self.chosen[m, c])

    def _sessions(self, counted: list[tuple[int, int, int]]) -> cp_model.LinearExpr:
        return cp_model.LinearExpr.weighted_sum(
            [self.chosen[m, c] for m, c, _ in counted], [n for _, _, n in counted]
        )

    def solve(
        self, hint: Mapping[int, int], seconds: float
    ) -> tuple[dict[int, int], int | None, bool]:
        """The answer (`hint` where the solver found none), the proven bound on the number
        placed (None without an answer), and whether the answer is optimal."""
        rules, candidates = self.cohort.rules, [m.candidates for m in self.cohort.mentorships]
        chosen = list(self.chosen.values())
        costs = [candidates[m][c].cost for m, c in self.chosen]
        secondary = rules.crowded_day_cost * cp_model.LinearExpr.sum(
            self.crowding
        ) + cp_model.LinearExpr.weighted_sum(chosen, costs)
        # More than any secondary total, so that one more placed outweighs every preference.
        weight = rules.crowded_day_cost * self._most_sessions() + sum(costs) + 1
        self.model.maximize(weight * cp_model.LinearExpr.sum(chosen) - secondary)
        for (m, c), var in self.chosen.items():
            self.model.add_hint(var, hint.get(m) == c)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = seconds
        solver.parameters.random_seed = rules.seed
        solver.parameters.num_workers = rules.workers
        status = solver.solve(self.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return dict(hint), None, False
        answer = {m: c for (m, c), var in self.chosen.items() if solver.boolean_value(var)}
        # An answer placing p has an objective above weight * (p - 1): p is at most this.
        bound = math.floor((solver.best_objective_bound + 1e-6 + weight - 1) / weight)
        return answer, bound, status == cp_model.OPTIMAL

    def _most_sessions(self) -> int:
        """More sessions than any answer books: a bound on the crowded ones."""
        return sum(
            max(sum(len(item.spans) for item in self.cohort.items[m][c].values()) for c in usable)
            for m, usable in ((m, self.cohort.usable[m]) for m, _ in self.chosen)
        )


# The planners ----------------------------------------------------------------------------------


def plan_cohort(
    mentorships: Sequence[CohortMentorship],
    time_zones: Mapping[UUID, str],
    rules: CohortRules,
    booked: Mapping[UUID, Sequence[Span]] | None = None,
) -> CohortPlan:
    """The timetable of the cohort: as many mentorships placed as possible, then spread, then
    preferred. `time_zones` holds the IANA zone of every member and of everyone in `booked`:
    the Tandem sessions people already have (they count for the buffer and the caps).

    Mentorships that share nobody are independent: each group linked by shared people is
    solved on its own: a lone mentorship directly, larger groups by CP-SAT, a few small groups
    to one model (building a model costs milliseconds), sharing the time limit by their number
    of mentorships."""
    started = time.perf_counter()
    deadline = started + rules.time_limit_seconds
    cohort = _Cohort.prepare(mentorships, time_zones, rules, booked or {})
    greedy = cohort.fill({})
    chosen: dict[int, int] = {}
    bound, source, optimal = 0, BoundSource.SOLVER, True
    batches: list[list[int]] = []
    for group in cohort.components():
        if len(group) == 1:
            chosen[group[0]] = cohort.best_alone(group[0])
            bound += 1
        elif batches and len(batches[-1]) + len(group) <= BATCH_MENTORSHIPS:
            batches[-1] += group
        else:
            batches.append(group)
    waiting = sum(len(batch) for batch in batches)
    for batch in batches:
        seconds = max(deadline - time.perf_counter(), 0.0) * len(batch) / waiting
        waiting -= len(batch)
        hint = {m: greedy[m] for m in batch if m in greedy}
        answer, batch_bound, batch_optimal = _Model(cohort, batch).solve(hint, max(seconds, 0.01))
        if batch_bound is None:
            batch_bound, source = len(batch), BoundSource.CANDIDATES
        chosen |= answer
        bound += batch_bound
        optimal &= batch_optimal
    chosen = cohort.fill(chosen)
    return _plan(cohort, chosen, bound, source, "optimal" if optimal else "feasible", started)


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
    bound = sum(1 for usable in cohort.usable if usable)
    return _plan(cohort, chosen, bound, BoundSource.CANDIDATES, "greedy", started)


def _plan(
    cohort: _Cohort,
    chosen: Mapping[int, int],
    bound: int,
    source: BoundSource,
    status: str,
    started: float,
) -> CohortPlan:
    placements, unplaced = cohort.outcome(chosen)
    return CohortPlan(
        placements=placements,
        unplaced=unplaced,
        bound=bound,
        bound_source=source,
        status=status,
        crowded_sessions=cohort.crowded_sessions(chosen),
        preference_cost=sum(p.candidate.cost for p in placements),
        seconds=time.perf_counter() - started,
    )
