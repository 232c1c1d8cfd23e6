"""Which pairs of a program's enrollees must never be matched: pure rules, no database."""

from collections.abc import Iterable
from uuid import UUID

from tandem.kit.contracts.profiles import ForbiddenPair, ProgramRules
from tandem.profiles.models import DeclaredConflict


def forbidden_pairs(
    enrollees: set[UUID],
    managers: dict[UUID, UUID | None],
    declared: Iterable[DeclaredConflict],
    rules: ProgramRules,
) -> list[ForbiddenPair]:
    """The pairs among `enrollees` that must never be matched, each with its reasons."""
    reasons: dict[tuple[UUID, UUID], set[str]] = {}

    def forbid(first: UUID, second: UUID, reason: str) -> None:
        reasons.setdefault((min(first, second), max(first, second)), set()).add(reason)

    for conflict in declared:
        if {conflict.person_a_id, conflict.person_b_id} <= enrollees:
            forbid(conflict.person_a_id, conflict.person_b_id, "declared")
    for person_id in enrollees:
        for manager_id in _managers_above(
            person_id, managers, rules.conflicts.reporting_chain_depth
        ):
            if manager_id in enrollees:
                forbid(person_id, manager_id, "reporting_chain")
    if not rules.conflicts.same_manager_peers_allowed:
        for team in _teams(enrollees, managers):
            for index, first in enumerate(team):
                for second in team[index + 1 :]:
                    forbid(first, second, "same_manager")
    return [
        ForbiddenPair(person_ids=pair, reasons=sorted(why)) for pair, why in sorted(reasons.items())
    ]


def _managers_above(person_id: UUID, managers: dict[UUID, UUID | None], depth: int) -> list[UUID]:
    chain: list[UUID] = []
    current = managers.get(person_id)
    while current is not None and len(chain) < depth and current not in chain:
        chain.append(current)
        current = managers.get(current)
    return chain


def _teams(enrollees: set[UUID], managers: dict[UUID, UUID | None]) -> list[list[UUID]]:
    teams: dict[UUID, list[UUID]] = {}
    for person_id in sorted(enrollees):
        manager_id = managers.get(person_id)
        if manager_id is not None:
            teams.setdefault(manager_id, []).append(person_id)
    return [team for team in teams.values() if len(team) > 1]
