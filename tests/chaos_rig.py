"""What the chaos test kills and counts: a PostgreSQL it may crash, one small Tandem per variant
(profiles' API and relay, feedback's consumer), the bulk-import producer, and the audit."""

import asyncio
import json
import random
import shutil
import sys
import time
import uuid
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import nats
import psutil
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tandem.kit import infra
from tandem.kit.auth import Role, TokenIssuer
from tandem.kit.bus import ALL_EVENTS
from tandem.kit.settings import service_environment
from tandem.launcher.stack import Process, migrate

CONSUMER = "feedback"  # the durable name: the consuming service's name


class Postgres:
    """An embedded PostgreSQL that a test may crash: SIGKILL to the postmaster and every backend
    at once, as a dead machine leaves them; a start runs crash recovery on the same data.

    It runs without fsync: a SIGKILL loses no page cache, so syncing would prove nothing here,
    and each crash recovery would sync every file of the cluster on a shared disk (seconds).
    """

    def __init__(self, data_dir: Path) -> None:
        import pgserver  # only where an embedded server is wanted

        self._pgserver = pgserver
        self.data_dir = data_dir
        self._server = pgserver.get_server(data_dir, cleanup_mode=None)
        self._server.psql("ALTER SYSTEM SET fsync = off; SELECT pg_reload_conf();")
        self.url = str(self._server.get_uri("postgres"))

    def kill(self) -> None:
        (pid,) = (self.data_dir / "postmaster.pid").read_text().split()[:1]
        postmaster = psutil.Process(int(pid))
        postmaster.suspend()  # no new backend between listing them and killing them
        family = [postmaster, *postmaster.children(recursive=True)]
        for process in family:
            with suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(family, timeout=10)
        # Every process is gone: the lock files are stale, and their pids may be reused.
        for lock in [self.data_dir / "postmaster.pid", *self.data_dir.glob(".s.PGSQL.*.lock")]:
            lock.unlink(missing_ok=True)

    def start(self) -> None:
        """Start with the options of the first start (postmaster.opts), after recovery."""
        self._pg_ctl("-l", str(self.data_dir / "log"), "-t", "120", "restart")

    def stop(self) -> None:
        self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.data_dir)

    def _pg_ctl(self, *arguments: str) -> None:
        self._pgserver.pg_ctl(
            ["-w", *arguments], pgdata=self.data_dir, user=self._server.system_user, timeout=150
        )


def kill_nats(server: infra.NatsServer) -> None:
    assert server.process is not None
    server.process.kill()
    server.process.wait()
    server.process = None


@dataclass
class Variant:
    """One small Tandem: profiles' API and worker (its relay), feedback's worker (its consumer).

    Without deduplication, the relay publishes without message ids and feedback's inbox has no
    unique key, so it recognises no event it applied before.
    """

    name: str
    deduplicating: bool
    postgres_url: str
    nats: infra.NatsServer
    public_key: str
    log_dir: Path
    stream: str = field(init=False)
    subject_prefix: str = field(init=False)
    database_urls: dict[str, str] = field(default_factory=dict)
    processes: dict[str, Process] = field(default_factory=dict)
    profiles_port: int = field(default_factory=infra.free_port)

    def __post_init__(self) -> None:
        self.stream = f"CHAOS_{self.name.upper()}"
        self.subject_prefix = f"chaos-{self.name}."

    @property
    def profiles_url(self) -> str:
        return f"http://127.0.0.1:{self.profiles_port}"

    async def prepare(self) -> None:
        for service in ("profiles", "feedback"):
            url = await infra.create_database(
                self.postgres_url, f"chaos_{self.name}_{service}", recreate=True
            )
            await migrate(service, url)
            self.database_urls[service] = url
        if not self.deduplicating:
            await self.feedback("ALTER TABLE inbox DROP CONSTRAINT pk_inbox")

    def start(self) -> None:
        relay = [sys.executable, str(Path(__file__).with_name("control_relay.py"))]
        if self.deduplicating:
            relay = [sys.executable, "-m", "tandem.profiles.worker"]
        api = [sys.executable, "-m", "uvicorn", "tandem.profiles.main:app"]
        api += ["--host", "127.0.0.1", "--port", str(self.profiles_port), "--no-access-log"]
        consumer = [sys.executable, "-m", "tandem.feedback.worker"]
        for name, argv, service in [
            ("profiles-api", api, "profiles"),
            ("relay", relay, "profiles"),
            ("consumer", consumer, "feedback"),
        ]:
            log_path = self.log_dir / f"{self.name}-{name}.log"
            process = Process(name, argv, self._environment(service), log_path)
            process.start()
            self.processes[name] = process

    def _environment(self, service: str) -> dict[str, str]:
        return service_environment(
            service,
            database_url=self.database_urls[service],
            nats_url=self.nats.url,
            nats_monitor_url=self.nats.monitor_url,
            stream_name=self.stream,
            subject_prefix=self.subject_prefix,
            jwt_public_key=self.public_key,
            log_level="WARNING",
            # A killed consumer's unacknowledged messages come again after this, not after 30 s.
            inbox_ack_wait_seconds="3",
            # Deliveries and backoff are the defaults: a database crash uses up no delivery.
        )

    def crash(self, process: str) -> None:
        """SIGKILL one process and start it again at once, as a supervisor would."""
        self.processes[process].kill()
        self.processes[process].start()

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()

    async def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.profiles_url, timeout=2) as http:
            while not await _consumer_exists(self) or not await _ready(http):
                dead = [name for name, process in self.processes.items() if not process.alive]
                assert not dead, f"{self.name}: {dead} exited during start-up"
                assert time.monotonic() < deadline, f"{self.name} not ready after {timeout}s"
                await asyncio.sleep(0.2)

    async def feedback(self, statement: str) -> list[asyncpg.Record]:
        return await _query(self.database_urls["feedback"], statement)

    async def profiles(self, statement: str) -> list[asyncpg.Record]:
        return await _query(self.database_urls["profiles"], statement)


async def _query(url: str, statement: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return list(await connection.fetch(statement))
    finally:
        await connection.close()


async def _ready(http: httpx.AsyncClient) -> bool:
    try:
        return (await http.get("/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


async def _consumer_exists(variant: Variant) -> bool:
    connection = await nats.connect(variant.nats.url)
    try:
        await connection.jetstream().consumer_info(variant.stream, CONSUMER)
        return True
    except nats.js.errors.NotFoundError:
        return False
    finally:
        await connection.close()


# Producing ------------------------------------------------------------------------------------


def hris_rows(batch: int, size: int) -> list[dict[str, str]]:
    """`size` new people; every person in the run has their own external id and email."""
    numbers = range(batch * size, (batch + 1) * size)
    return [
        {"external_id": f"e{n}", "email": f"p{n}@example.com", "full_name": f"Person {n}"}
        for n in numbers
    ]


async def import_until_accepted(
    variant: Variant, issuer: TokenIssuer, organization: uuid.UUID, rows: list[dict[str, str]]
) -> None:
    """POST the import until it answers 200, through every outage.

    A retry is safe without an idempotency key: rows already imported are unchanged and emit
    nothing.
    """
    token = issuer.issue(uuid.uuid4(), organization, [Role.HR_ADMIN])
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=variant.profiles_url, timeout=60) as http:
        while True:
            with suppress(httpx.HTTPError):
                response = await http.post("/imports/people", json={"rows": rows}, headers=headers)
                if response.status_code == 200:
                    return
            await asyncio.sleep(0.3)


# Counting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Audit:
    """What one variant produced, published and applied, counted from the stores themselves."""

    produced: int  # events in profiles' outbox
    published: int  # of those, how many are on the stream
    doubled_publishes: int  # copies on the stream beyond each event's first
    strangers: int  # event ids on the stream that the outbox never held
    applied: int  # of those, how many feedback's inbox recorded
    doubled_applications: int  # inbox records beyond each event's first
    doubled_effects: int  # headcount above the people created, over all organizations
    lost_effects: int  # headcount below the people created, over all organizations
    dead_letters: int  # events the consumer gave up on
    longest_republish_seconds: float  # between an event's first and last copy on the stream

    @property
    def lost_publishes(self) -> int:
        return self.produced - self.published

    @property
    def lost_applications(self) -> int:
        return self.produced - self.applied


async def audit(variant: Variant) -> Audit:
    outbox = await variant.profiles(
        "SELECT id, envelope->'payload'->>'organization_id' AS organization FROM outbox"
    )
    produced = {row["id"]: uuid.UUID(row["organization"]) for row in outbox}
    copies = await stream_copies(variant)
    applications = Counter(row["event_id"] for row in await variant.feedback("SELECT * FROM inbox"))
    headcount = {
        row["organization_id"]: row["people"]
        for row in await variant.feedback("SELECT * FROM headcount")
    }
    created = Counter(produced.values())
    differences = [headcount.get(org, 0) - created[org] for org in created | headcount.keys()]
    return Audit(
        produced=len(produced),
        published=len(produced.keys() & copies.keys()),
        doubled_publishes=sum(len(times) - 1 for times in copies.values()),
        strangers=len(copies.keys() - produced.keys()),
        applied=len(produced.keys() & applications.keys()),
        doubled_applications=sum(count - 1 for count in applications.values()),
        doubled_effects=sum(difference for difference in differences if difference > 0),
        lost_effects=-sum(difference for difference in differences if difference < 0),
        dead_letters=len(await variant.feedback("SELECT 1 FROM dead_letter")),
        longest_republish_seconds=max(
            (max(times) - min(times) for times in copies.values()), default=0.0
        ),
    )


async def stream_copies(variant: Variant) -> dict[uuid.UUID, list[float]]:
    """Every event id on the variant's stream, with the time each copy of it was stored."""
    connection = await nats.connect(variant.nats.url)
    copies: dict[uuid.UUID, list[float]] = {}
    try:
        js = connection.jetstream()
        expected = (await js.stream_info(variant.stream)).state.messages
        reader = await js.pull_subscribe(
            variant.subject_prefix + ALL_EVENTS,
            stream=variant.stream,
            config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL),
        )
        read = 0
        while read < expected:
            for message in await reader.fetch(1000, timeout=5):
                event_id = uuid.UUID(json.loads(message.data)["id"])
                stored = message.metadata.timestamp.timestamp()
                copies.setdefault(event_id, []).append(stored)
                read += 1
        await reader.unsubscribe()
    finally:
        await connection.close()
    return copies


async def quiet(variant: Variant) -> bool:
    """Nothing is left to publish, to deliver or to acknowledge."""
    try:
        (unpublished,) = await variant.profiles(
            "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        )
        connection = await nats.connect(variant.nats.url, connect_timeout=2)
    except (OSError, asyncpg.PostgresError, nats.errors.NoServersError):
        return False
    try:
        info = await connection.jetstream().consumer_info(variant.stream, CONSUMER)
    finally:
        await connection.close()
    return unpublished[0] == 0 and not info.num_pending and not info.num_ack_pending


def shuffled(kinds: dict[str, int], seed: int) -> list[str]:
    """Each kind of kill as often as asked, in a mixed but repeatable order."""
    order = [kind for kind, count in kinds.items() for _ in range(count)]
    random.Random(seed).shuffle(order)  # noqa: S311 - an order of kills, not a secret
    return order
