"""`python -m tandem.sessions.rewrap`: re-wrap every organization's note key under the current
notes master key, after a rotation made a new key current (the old one still listed). Safe to
run while the service serves notes, and again; afterwards the old master key may be dropped."""

import asyncio

from tandem.kit.db import create_engine, create_sessionmaker
from tandem.sessions import notes
from tandem.sessions.settings import SessionsSettings


async def rewrap(settings: SessionsSettings) -> int:
    """How many note keys were re-wrapped, one committed batch at a time."""
    keyring = notes.keyring_of(settings)
    engine = create_engine(settings.database_url, pool_size=1)
    sessions = create_sessionmaker(engine, settings.service_name)
    total = 0
    try:
        while True:
            async with sessions() as session, session.begin():
                rewrapped = await notes.rewrap_note_keys(session, keyring)
            total += rewrapped
            if not rewrapped:
                return total
    finally:
        await engine.dispose()


if __name__ == "__main__":
    settings = SessionsSettings()
    count = asyncio.run(rewrap(settings))
    print(f"{count} note keys re-wrapped under {settings.notes_current_master_key_id}")
