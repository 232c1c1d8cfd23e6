"""What the circle engine knows of the people: their features, and the pair tables (who
may share a circle with whom, and the pairwise points) computed in blocks."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from tandem.kit.availability import MINUTES_PER_DAY
from tandem.matching.engine.calendar import offset_minutes
from tandem.matching.engine.circles.slots import SLOTS_PER_WEEK, Slots, weekly_slots
from tandem.matching.engine.circles.types import (
    CIRCLE_CRITERIA,
    CIRCLE_RULES,
    CircleCriterion,
    CircleRules,
)
from tandem.matching.engine.scoring import (
    MAX_PROFICIENCY,
    MAX_SCORE,
    MAX_TIME_ZONE_HOURS,
    PRIORITY_WEIGHT,
    category_codes,
)
from tandem.matching.engine.types import Participant, Period, Weights

_BLOCK_ROWS = 256


@dataclass(frozen=True)
class People:
    """Per-person features for the search, as Python ints (bitsets), lists and dicts: the
    search looks at a few people at a time, where plain Python beats numpy's call overhead.

    `runs` has bit s set when a session can start at weekly slot s (15-minute slots from the
    period's first UTC midnight); `free` when slot s is free every week. `pair[p]` maps each
    person compatible with p (no forbidden pair, a common language and session slot) to the
    pairwise part of p's points with them: interests, departments and clocks, weighted.
    `wants[p]` lists (skill, points per proficiency level) so that coverage is a sum."""

    ids: tuple[UUID, ...]
    runs: list[int]
    free: list[int]
    languages: list[int]
    department: list[int]
    experienced: list[bool]
    offers: list[dict[int, int]]
    wants: list[list[tuple[int, float]]]
    pair: list[dict[int, float]]
    removed_by: NDArray[np.int64]
    points: Mapping[CircleCriterion, float]
    utc_offset: list[int]
    interests: list[frozenset[str]]
    period_start: datetime


def features(
    people: Sequence[Participant],
    rules: CircleRules,
    weights: Weights,
    period: Period,
    forbidden: Collection[frozenset[UUID]],
) -> People:
    """The features of `people` (checked here), in the given order: the engine's."""
    memo: Slots = {}
    slots = [weekly_slots(p, period, rules.session_minutes, memo) for p in people]
    skills = {s: k for k, s in enumerate(sorted({s for p in people for s in p.offered}, key=str))}
    points = _points_per_criterion(weights)
    offsets = [offset_minutes(period.start, ZoneInfo(p.time_zone)) for p in people]
    departments = category_codes([p.department for p in people])
    index = {p.person_id: position for position, p in enumerate(people)}
    forbidden_pairs = [
        tuple(index[person] for person in pair)
        for pair in forbidden
        if len(pair) == 2 and all(person in index for person in pair)
    ]
    pair, removed_by = _pairs(
        people, [runs for runs, _ in slots], departments, offsets, forbidden_pairs, rules, points
    )
    return People(
        ids=tuple(p.person_id for p in people),
        runs=[runs for runs, _ in slots],
        free=[free for _, free in slots],
        languages=language_masks(people, rules),
        department=departments.tolist(),
        experienced=[p.job_level >= rules.experienced_level for p in people],
        offers=[{skills[s]: level for s, level in p.offered.items()} for p in people],
        wants=[_wants(p, skills, points["skill_fit"]) for p in people],
        pair=pair,
        removed_by=removed_by,
        points=points,
        utc_offset=offsets,
        interests=[p.interests for p in people],
        period_start=datetime.combine(period.start, time(), tzinfo=UTC),
    )


def _points_per_criterion(weights: Weights) -> dict[CircleCriterion, float]:
    given = {c: float(getattr(weights, c)) for c in CIRCLE_CRITERIA}
    total = sum(given.values())
    return {c: MAX_SCORE * w / total if total > 0 else 0.0 for c, w in given.items()}


def _wants(
    person: Participant, skills: Mapping[UUID, int], skill_points: float
) -> list[tuple[int, float]]:
    """(skill, points per proficiency level) for the person's wanted skills that anyone offers;
    full coverage of every wanted skill at proficiency 5 gives all the skill_fit points."""
    total = MAX_PROFICIENCY * sum(PRIORITY_WEIGHT[p] for p in person.wanted.values())
    return [
        (skills[s], skill_points * PRIORITY_WEIGHT[p] / total)
        for s, p in sorted(person.wanted.items(), key=lambda item: str(item[0]))
        if s in skills
    ]


def language_masks(people: Sequence[Participant], rules: CircleRules) -> list[int]:
    if not rules.shared_language_required:
        return [1] * len(people)
    known = {name: bit for bit, name in enumerate(sorted({n for p in people for n in p.languages}))}
    return [sum(1 << known[name] for name in p.languages) for p in people]


def _pairs(
    people: Sequence[Participant],
    runs: Sequence[int],
    departments: NDArray[np.int64],
    offsets: Sequence[int],
    forbidden: Sequence[tuple[int, ...]],
    rules: CircleRules,
    points: Mapping[CircleCriterion, float],
) -> tuple[list[dict[int, float]], NDArray[np.int64]]:
    """Each person's compatible others with their pairwise points, and per person how many
    others each pair rule removes (CIRCLE_RULES order). Computed on blocks of rows."""
    n = len(people)
    run_words = _words(runs, SLOTS_PER_WEEK)
    language_words = _words(language_masks(people, rules), 64 * 8)
    interests = _interest_words(people)
    interest_count = np.array([len(p.interests) for p in people], dtype=np.int64)
    offset = np.array(offsets, dtype=np.int64)
    pair: list[dict[int, float]] = []
    removed_by = np.zeros((n, len(CIRCLE_RULES)), dtype=np.int64)
    for start in range(0, n, _BLOCK_ROWS):
        rows = slice(start, min(start + _BLOCK_ROWS, n))
        removed = {
            "forbidden": _banned(rows, n, forbidden),
            "shared_language_required": ~_any_common(language_words[rows], language_words),
            "weekly_slot": ~_any_common(run_words[rows], run_words),
        }
        left = np.ones(removed["forbidden"].shape, dtype=bool)
        left[np.arange(len(left)), np.arange(rows.start, rows.stop)] = False
        for k, rule in enumerate(CIRCLE_RULES):
            removed_by[rows, k] = (removed[rule] & left).sum(axis=1)
            left &= ~removed[rule]
        shared = _common_count(interests[rows], interests)
        union = interest_count[rows, None] + interest_count[None, :] - shared
        apart = np.abs(offset[rows, None] - offset[None, :])
        hours = np.minimum(apart, MINUTES_PER_DAY - apart) / 60
        department = departments[rows, None]
        value = (
            points["interests"]
            * np.divide(shared, union, out=np.zeros(hours.shape), where=union > 0)
            + points["cross_department"]
            * ((department >= 0) & (departments >= 0) & (department != departments))
            + points["time_zone"] * (1 - hours / MAX_TIME_ZONE_HOURS)
        )
        for row, keep in enumerate(left):
            others = np.flatnonzero(keep)
            pair.append(dict(zip(others.tolist(), value[row, others].tolist(), strict=True)))
    return pair, removed_by


def _banned(rows: slice, n: int, forbidden: Sequence[tuple[int, ...]]) -> NDArray[np.bool_]:
    """The forbidden pairs of a block of rows; nobody is their own pair either, uncounted."""
    banned = np.zeros((rows.stop - rows.start, n), dtype=bool)
    for first, second in forbidden:
        for row, other in ((first, second), (second, first)):
            if rows.start <= row < rows.stop:
                banned[row - rows.start, other] = True
    return banned


def _words(masks: Sequence[int], bits: int) -> NDArray[np.uint64]:
    """Python-int bitsets as rows of 64-bit words."""
    width = -(-max(bits, max((m.bit_length() for m in masks), default=0)) // 64)
    raw = b"".join(m.to_bytes(width * 8, "little") for m in masks)
    words: NDArray[np.uint64] = np.frombuffer(raw, dtype="<u8").astype(np.uint64)
    return words.reshape(len(masks), width)


def bit_flags(masks: Sequence[int], bits: int) -> NDArray[np.bool_]:
    """Python-int bitsets as rows of `bits` booleans."""
    width = -(-bits // 8)
    raw = np.frombuffer(b"".join(m.to_bytes(width, "little") for m in masks), dtype=np.uint8)
    flags = np.unpackbits(raw.reshape(len(masks), width), axis=1, bitorder="little")
    return flags[:, :bits].astype(bool)


def _interest_words(people: Sequence[Participant]) -> NDArray[np.uint64]:
    known = {name: bit for bit, name in enumerate(sorted({n for p in people for n in p.interests}))}
    masks = [sum(1 << known[name] for name in p.interests) for p in people]
    return _words(masks, 64)


def _common_count(left: NDArray[np.uint64], right: NDArray[np.uint64]) -> NDArray[np.int64]:
    shared = np.zeros((len(left), len(right)), dtype=np.int64)
    for word in range(left.shape[1]):
        shared += np.bitwise_count(left[:, word, None] & right[None, :, word])
    return shared


def _any_common(left: NDArray[np.uint64], right: NDArray[np.uint64]) -> NDArray[np.bool_]:
    found = np.zeros((len(left), len(right)), dtype=bool)
    for word in range(left.shape[1]):
        found |= (left[:, word, None] & right[None, :, word]) != 0
    return found


def compatible_groups(people: People) -> list[list[int]]:
    """Groups of people linked by compatible pairs: no circle spans two groups."""
    seen = [False] * len(people.ids)
    groups = []
    for first in range(len(people.ids)):
        if seen[first]:
            continue
        seen[first] = True
        group, stack = [], [first]
        while stack:
            person = stack.pop()
            group.append(person)
            for other in people.pair[person]:
                if not seen[other]:
                    seen[other] = True
                    stack.append(other)
        groups.append(sorted(group))
    return groups
