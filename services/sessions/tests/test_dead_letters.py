"""An operator's replay of an event sessions does not handle (person.created) is refused and
the letter stays waiting."""

from sqlalchemy.ext.asyncio import AsyncSession

from tandem.kit.testing.plugin import ClientFactory, assert_replay_is_refused


async def test_a_replay_of_an_event_nothing_here_handles_is_refused_and_the_letter_waits(
    client_for: ClientFactory, db_session: AsyncSession
) -> None:
    await assert_replay_is_refused(client_for, db_session)
