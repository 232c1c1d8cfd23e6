from pathlib import Path

import pytest

from tandem.kit import bus, infra


@pytest.mark.parametrize("sync_always", [True, False])
async def test_an_app_tells_whether_jetstream_syncs_every_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sync_always: bool
) -> None:
    server = infra.embedded_nats(tmp_path, sync_always=sync_always).start()
    try:
        confirmed = await bus.warn_unless_synced(server.monitor_url)
    finally:
        server.stop()

    assert confirmed is sync_always
    assert ("jetstream_not_synced" in capsys.readouterr().out) is not sync_always


async def test_without_a_monitoring_url_durability_is_reported_unknown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert await bus.warn_unless_synced(None) is False
    assert "jetstream_durability_unknown" in capsys.readouterr().out
