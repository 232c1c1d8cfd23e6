"""The plan of an HRIS import: its rows checked against each other and the directory, before
the service writes anything."""

import hashlib
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from tandem.kit.contracts.profiles import ImportRowError, PersonStatus
from tandem.profiles.errors import MassDepartureRefused
from tandem.profiles.models import Person
from tandem.profiles.schemas import HrisRow


def erased_key(organization_id: UUID, external_id: str) -> str:
    """What remains of an erased person's HRIS key: enough to refuse them in a later sync."""
    return hashlib.sha256(f"{organization_id}:{external_id}".encode()).hexdigest()


class ImportPlan:
    """The rows of one import, checked against each other and the directory before any write."""

    def __init__(self, organization_id: UUID, people: list[Person]) -> None:
        self.organization_id = organization_id
        self.erased = {person.erased_key for person in people if person.erased_key}
        self.rows: dict[str, tuple[int, HrisRow]] = {}
        self.errors: list[ImportRowError] = []
        self.known = {person.external_id: person for person in people if person.external_id}
        self.email_owner = {person.email: person.external_id for person in people}
        self.external_id_of = {person.id: person.external_id for person in people}
        self.mentioned: set[str] = set()

    def report(self, index: int, external_id: str | None, message: str) -> None:
        self.errors.append(ImportRowError(row=index, external_id=external_id, message=message))

    def reject(self, index: int, external_id: str, message: str) -> None:
        """Report a row already in the plan and take it out."""
        self.report(index, external_id, message)
        self.rows.pop(external_id, None)

    def add(self, index: int, raw: dict[str, Any]) -> None:
        mentioned = _external_id_mentioned(raw)
        if mentioned:
            self.mentioned.add(mentioned)
        try:
            row = HrisRow.model_validate(raw)
        except ValidationError as error:
            self.errors.append(_row_error(index, mentioned, error))
            return
        self._add_valid(index, row)

    def _add_valid(self, index: int, row: HrisRow) -> None:
        email = row.email.lower()
        if row.status is PersonStatus.ERASED:
            self.report(
                index, row.external_id, "An import cannot erase a person; use the erasure endpoint."
            )
        elif row.external_id in self.rows:
            self.report(index, row.external_id, f"external_id {row.external_id} appears twice.")
        elif erased_key(self.organization_id, row.external_id) in self.erased:
            self.report(index, row.external_id, "This person's data was erased; stop sending it.")
        elif self.email_owner.get(email, row.external_id) != row.external_id:
            self.report(index, row.external_id, f"{email} is the email of another person.")
        else:
            self.email_owner[email] = row.external_id
            self.rows[row.external_id] = (index, row.model_copy(update={"email": email}))

    def settle_managers(self) -> None:
        """Reject rows whose manager is unknown or closes a cycle, until every row is sound."""
        while self._reject_unknown_managers() or self._reject_cycles():
            pass

    def _manager_of(self, external_id: str) -> str | None:
        if external_id in self.rows:
            return self.rows[external_id][1].manager_external_id
        person = self.known.get(external_id)
        if person is None or person.manager_id is None:
            return None
        return self.external_id_of.get(person.manager_id)

    def _reject_unknown_managers(self) -> bool:
        unknown = [
            (index, row)
            for index, row in self.rows.values()
            if row.manager_external_id is not None
            and row.manager_external_id not in self.rows
            and row.manager_external_id not in self.known
        ]
        for index, row in unknown:
            self.reject(index, row.external_id, f"manager {row.manager_external_id} is unknown.")
        return bool(unknown)

    def _reject_cycles(self) -> bool:
        """One walk up from every row, each person visited once: linear in the rows."""
        settled: set[str] = set()
        rejected = False
        for start in list(self.rows):
            path: dict[str, None] = {}
            current: str | None = start
            while current is not None and current not in settled and current not in path:
                path[current] = None
                current = self._manager_of(current)
            walked = list(path)
            if current is not None and current in path:
                rejected |= self._reject_cycle(walked[walked.index(current) :])
            settled.update(walked)
        return rejected

    def _reject_cycle(self, members: list[str]) -> bool:
        """Only rows can be rejected; a cycle already in the directory is not this import's."""
        in_rows = [member for member in members if member in self.rows]
        for member in in_rows:
            self.reject(self.rows[member][0], member, "The managers of these rows form a cycle.")
        return bool(in_rows)

    def managers_first(self) -> list[HrisRow]:
        """The rows, every manager before their reports (the rows hold no cycle by now)."""
        ordered: list[HrisRow] = []
        placed: set[str] = set()
        for external_id in self.rows:
            chain: list[HrisRow] = []
            current: str | None = external_id
            while current is not None and current in self.rows and current not in placed:
                placed.add(current)
                chain.append(self.rows[current][1])
                current = chain[-1].manager_external_id
            ordered.extend(reversed(chain))
        return ordered


def _external_id_mentioned(raw: dict[str, Any]) -> str | None:
    """The external id a row names, even when the row is broken (a full sync keeps them)."""
    value = raw.get("external_id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _row_error(index: int, external_id: Any, error: ValidationError) -> ImportRowError:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
        for problem in error.errors()
    )
    return ImportRowError(
        row=index, external_id=str(external_id) if external_id else None, message=problems
    )


def missing_from(plan: ImportPlan) -> list[Person]:
    """The people still here whom a full sync's rows do not mention."""
    return [
        person
        for external_id, person in plan.known.items()
        if external_id not in plan.mentioned and person.status in _STILL_HERE
    ]


# A full sync may mark this share of the active people as left, or this many, whichever is
# more, unless confirmed: beyond that an export is more likely cut short than the company.
MASS_DEPARTURE_SHARE = 0.2
MASS_DEPARTURE_FLOOR = 10
_STILL_HERE = (PersonStatus.ACTIVE, PersonStatus.ON_LEAVE)


def refuse_mass_departure(plan: ImportPlan, leaving: list[Person]) -> None:
    active = sum(person.status in _STILL_HERE for person in plan.known.values())
    if len(leaving) > max(MASS_DEPARTURE_SHARE * active, MASS_DEPARTURE_FLOOR):
        raise MassDepartureRefused(len(leaving), active)
