"""The search for large groups: circles grown around the hardest people first, then
repairs and improving moves, in rounds."""

import time as clock
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tandem.matching.engine.circles.people import People
from tandem.matching.engine.circles.sets import fits, room_for, total_points
from tandem.matching.engine.circles.types import CircleRules, CircleValue, Stop

# Quality moves must gain more than rounding noise, or the search could cycle.
_MIN_GAIN = 1e-6


@dataclass
class Search:
    """Circles as lists of people, changed by the search in place."""

    people: People
    rules: CircleRules
    seed: int
    circles: list[list[int]] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)
    circle_of: dict[int, int] = field(default_factory=dict)
    rounds: int = 0
    improving_moves: int = 0

    def add_circle(self, members: Sequence[int]) -> None:
        self.circles.append(list(members))
        self.totals.append(total_points(self.people, members))
        for member in members:
            self.circle_of[member] = len(self.circles) - 1

    def value(self) -> CircleValue:
        sizes = [len(members) for members in self.circles]
        return CircleValue(
            placed=sum(sizes),
            quality=sum(round(t / n) * n for t, n in zip(self.totals, sizes, strict=True)),
        )

    def replace(self, index: int, members: list[int]) -> None:
        """Gives circle `index` new members; in a swap, someone may have moved here already."""
        for member in self.circles[index]:
            if self.circle_of[member] == index:
                del self.circle_of[member]
        self.circles[index] = members
        self.totals[index] = total_points(self.people, members)
        for member in members:
            self.circle_of[member] = index

    def run(self, group: Sequence[int], deadline: float) -> Stop:
        """Seeds circles for the group, then repairs and improves them in rounds."""
        order = self._hardest_first(group)
        for person in order:
            if person not in self.circle_of:
                self._grow(person, donors=False)
        while clock.perf_counter() < deadline:
            self.rounds += 1
            before = self.improving_moves
            for person in self._round_order(order):
                if clock.perf_counter() >= deadline:
                    return "time_limit"
                if person in self.circle_of:
                    self._improve(person)
                else:
                    self._place(person)
            if self.improving_moves == before:
                return "converged"
        return "time_limit"

    def _hardest_first(self, group: Sequence[int]) -> list[int]:
        """Fewest compatible people first; the seed orders equals."""
        tie = dict(
            zip(
                group,
                np.random.default_rng(self.seed).permutation(len(group)).tolist(),
                strict=True,
            )
        )
        return sorted(group, key=lambda p: (len(self.people.pair[p]), tie[p]))

    def _round_order(self, order: Sequence[int]) -> list[int]:
        shuffled = np.random.default_rng([self.seed, self.rounds]).permutation(len(order))
        return [order[k] for k in shuffled.tolist()]

    # Placing people

    def _place(self, person: int) -> None:
        if self._insert(person) or self._eject_for(person) or self._grow(person, donors=True):
            self.improving_moves += 1

    def _insert(self, person: int) -> bool:
        """Into the circle with room where they add the most points."""
        best: tuple[float, int] | None = None
        for index in self._circles_near(person):
            members = [*self.circles[index], person]
            if room_for(self.people, self.rules, members):
                gain = total_points(self.people, members) - self.totals[index]
                best = max(best, (gain, -index)) if best else (gain, -index)
        if best is None:
            return False
        index = -best[1]
        self.replace(index, [*self.circles[index], person])
        return True

    def _eject_for(self, person: int) -> bool:
        """Takes someone's place in a circle, and moves them to another circle with room."""
        for index in self._circles_near(person):
            for leaving in self.circles[index]:
                staying = [m for m in self.circles[index] if m != leaving] + [person]
                if not fits(self.people, self.rules, staying):
                    continue
                for other in self._circles_near(leaving) - {index}:
                    if room_for(self.people, self.rules, [*self.circles[other], leaving]):
                        self.replace(index, staying)
                        self.replace(other, [*self.circles[other], leaving])
                        return True
        return False

    def _grow(self, person: int, *, donors: bool) -> bool:
        """A new circle around `person`, from unplaced compatible people and, with `donors`,
        from circles that stay circles without one of theirs. The experienced member first,
        then whoever adds the most pairwise points."""
        members = [person]
        taken: list[int] = []
        while len(members) < self.rules.min_size:
            needs_experience = not any(self.people.experienced[m] for m in members)
            joining = self._best_joiner(members, needs_experience, donors, taken)
            if joining is None:
                return False
            members.append(joining)
            if joining in self.circle_of:
                taken.append(joining)
        for member in taken:
            index = self.circle_of[member]
            self.replace(index, [m for m in self.circles[index] if m != member])
        self.add_circle(members)
        return True

    def _best_joiner(
        self, members: Sequence[int], needs_experience: bool, donors: bool, taken: Sequence[int]
    ) -> int | None:
        pair = self.people.pair
        best: tuple[float, int] | None = None
        for candidate in pair[members[0]]:
            if needs_experience and not self.people.experienced[candidate]:
                continue
            if candidate in members or not self._free_to_join(candidate, donors, taken):
                continue
            if not room_for(self.people, self.rules, [*members, candidate]):
                continue
            value = sum(pair[candidate][m] for m in members)
            best = max(best, (value, -candidate)) if best else (value, -candidate)
        return -best[1] if best else None

    def _free_to_join(self, candidate: int, donors: bool, taken: Sequence[int]) -> bool:
        if candidate not in self.circle_of:
            return True
        if not donors:
            return False
        index = self.circle_of[candidate]
        left = [m for m in self.circles[index] if m != candidate and m not in taken]
        return fits(self.people, self.rules, left)

    # Improving quality

    def _improve(self, person: int) -> None:
        if self._move(person) or self._swap(person):
            self.improving_moves += 1

    def _move(self, person: int) -> bool:
        """To another circle, when both stay circles and the points grow."""
        home = self.circle_of[person]
        staying = [m for m in self.circles[home] if m != person]
        if not fits(self.people, self.rules, staying):
            return False
        base = total_points(self.people, staying) - self.totals[home]
        for index in sorted(self._circles_near(person) - {home}):
            members = [*self.circles[index], person]
            if not room_for(self.people, self.rules, members):
                continue
            if base + total_points(self.people, members) - self.totals[index] > _MIN_GAIN:
                self.replace(home, staying)
                self.replace(index, members)
                return True
        return False

    def _swap(self, person: int) -> bool:
        """With a compatible person of another circle, when the points grow."""
        home = self.circle_of[person]
        rest = [m for m in self.circles[home] if m != person]
        for other in sorted(self.people.pair[person]):
            away = self.circle_of.get(other, home)
            if away == home:
                continue
            here = [*rest, other]
            there = [m for m in self.circles[away] if m != other] + [person]
            if not (fits(self.people, self.rules, here) and fits(self.people, self.rules, there)):
                continue
            gain = (
                total_points(self.people, here)
                + total_points(self.people, there)
                - self.totals[home]
                - self.totals[away]
            )
            if gain > _MIN_GAIN:
                self.replace(home, here)
                self.replace(away, there)
                return True
        return False

    def _circles_near(self, person: int) -> set[int]:
        """The circles of people compatible with `person`: the only ones they could join."""
        return {self.circle_of[o] for o in self.people.pair[person] if o in self.circle_of}
