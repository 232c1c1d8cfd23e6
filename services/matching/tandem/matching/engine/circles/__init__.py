"""Circles: small peer groups that meet every week, for circle programs.

A pure function of its inputs, like the pair engine in `tandem.matching.engine.pairs`, whose
`Participant`, `Weights` and `Period` it takes (roles are not used: everyone is a member).

Hard rules, for every circle: between `min_size` and `max_size` members; at least one member
at `experienced_level` or above; at most `max_per_department` members of one department (people
without a department count alone); no forbidden pair inside; a language everyone speaks, when
required; and a weekly session slot: one UTC start time, on one weekday, from which everyone is
free for `session_minutes` at every occurrence between the period's first and last day, in
UTC, so daylight saving time is exact. Free time comes from the kit's `free_intervals`.

The group score, 0 to 1000, is the mean of its members' points. A member's points are the
weighted mean (weights as for pairs; seniority is not scored, experience being a hard rule) of:

- skill_fit: their wanted skills covered by what the others offer, each at the best
  proficiency among them, as a pair scores a mentor's;
- interests: the mean Jaccard similarity of their interests with each other member's;
- cross_department: the share of the others from another department (both known);
- time_zone: 1 minus the mean hours between their clock and each other's, over 12;
- availability: the minutes a week everyone has free in common, up to two hours ("slot size").

The objective is lexicographic: the most people placed, then the most quality, the sum over
placed people of their circle's score. Connected groups of compatible people of at most
`exact_up_to` are solved exactly: every feasible circle listed, then a set packing by CP-SAT.
Larger ones get an anytime search: circles grown around the hardest people to place first,
then repairs (insertions, ejections, new circles with people from roomy circles) and
improving moves and swaps of one person, in rounds, until a round improves nothing or time
runs out. Without the time limit cutting in, the same inputs and seed give the same circles.

The bound: nobody is placed who has no session slot and language shared by enough people of
capped departments, with someone experienced, to fill a circle; and a person's points are at
most their skill coverage by every compatible person together, their best `min_size - 1`
pairwise terms, and their `(min_size - 1)`-th longest common free time with anyone.

The modules, from the bottom up: `types` (input and output), `slots` (weekly slots), `people`
(features and pair tables), `bound`, `sets` (circles as sets of people: fits, room, points),
`search` (large groups), `exact` (small groups), `explaining`, and `forming` (`form_circles`).
"""

from tandem.matching.engine.circles.forming import form_circles
from tandem.matching.engine.circles.people import features
from tandem.matching.engine.circles.sets import fits, room_for, total_points
from tandem.matching.engine.circles.types import (
    Circle,
    CircleContribution,
    CircleCriterion,
    CircleRelaxation,
    CircleResult,
    CircleRule,
    CircleRules,
    CircleStats,
    CircleStatus,
    CircleValue,
    RelaxableCircleRule,
    Unplaced,
    UnplacedReason,
)

__all__ = [
    "Circle",
    "CircleContribution",
    "CircleCriterion",
    "CircleRelaxation",
    "CircleResult",
    "CircleRule",
    "CircleRules",
    "CircleStats",
    "CircleStatus",
    "CircleValue",
    "RelaxableCircleRule",
    "Unplaced",
    "UnplacedReason",
    "features",
    "fits",
    "form_circles",
    "room_for",
    "total_points",
]
