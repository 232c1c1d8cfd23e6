"""Small groups kept out of sight: a breakdown's group of fewer than the minimum of people is
suppressed, and so are as many more as it takes that no published total minus the groups shown
gives a suppressed one away.

A partition is a set of groups whose figures add up to one published elsewhere (the program's
total, or a month's figure that a day breakdown splits). In each partition the suppressed
groups are either none, or at least two that together hold at least the minimum of distinct
people: subtracting the groups shown from the total then recovers only a figure about enough
people, never one small group's.
"""

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

K = TypeVar("K", bound=Hashable)
P = TypeVar("P", bound=Hashable)

MINIMUM_GROUP = 5

TOTAL = date.max
"""The key of the whole's figures among its groups' (e.g. a program's among its periods')."""


@dataclass(frozen=True)
class People:
    """How many people each group holds (`TOTAL`: all of them, once each), and who the people
    of the groups under the minimum are."""

    sizes: dict[Any, int]
    of_small_groups: dict[Any, set[UUID]]

    @classmethod
    def of(cls, pairs: Iterable[tuple[Hashable, UUID]]) -> "People":
        """From each group's people, e.g. `(answer, person)`."""
        groups: dict[Any, set[UUID]] = defaultdict(set)
        for key, person in pairs:
            groups[key].add(person)
            groups[TOTAL].add(person)
        groups.setdefault(TOTAL, set())
        return cls(
            sizes={key: len(people) for key, people in groups.items()},
            of_small_groups={k: p for k, p in groups.items() if len(p) < MINIMUM_GROUP},
        )


def suppressed_with_total(people: People, partitions: list[list[Any]]) -> set[Any]:
    """`suppressed`, where a total too small to show hides every group of it too."""
    hidden = suppressed(people.sizes, people.of_small_groups, partitions)
    if TOTAL in hidden:
        return hidden | {key for part in partitions for key in part} | set(people.sizes)
    return hidden


def suppressed(
    sizes: Mapping[K, int],
    small_groups: Mapping[K, Collection[P]],
    partitions: Iterable[Collection[K]],
    minimum: int = MINIMUM_GROUP,
) -> set[K]:
    """The groups to suppress, of those `sizes` counts the people of; `small_groups` names the
    people of each group under the minimum (those of larger ones are never needed)."""
    hidden = {key for key, size in sizes.items() if size < minimum}
    present = [[key for key in part if key in sizes] for part in partitions]
    changed = True
    while changed:
        changed = False
        for part in present:
            changed |= _protect(sizes, small_groups, part, hidden, minimum)
    return hidden


def _protect(
    sizes: Mapping[K, int],
    small_groups: Mapping[K, Collection[P]],
    part: list[K],
    hidden: set[K],
    minimum: int,
) -> bool:
    """Suppress more of `part`, smallest first, until its suppressed groups are safe; True if
    any was added."""
    added = False
    while not _safe([key for key in part if key in hidden], sizes, small_groups, minimum):
        shown = [key for key in part if key not in hidden]
        if not shown:
            break
        hidden.add(min(shown, key=lambda key: sizes[key]))
        added = True
    return added


def _safe(
    hidden: list[K], sizes: Mapping[K, int], small_groups: Mapping[K, Collection[P]], minimum: int
) -> bool:
    if not hidden:
        return True
    if len(hidden) < 2:
        return False
    if any(sizes[key] >= minimum for key in hidden):
        return True
    together: set[P] = set()
    for key in hidden:
        together.update(small_groups[key])
    return len(together) >= minimum
