"""The Yeastar snapshot carries the wake-up alarms of every extension."""

from __future__ import annotations

from collections.abc import AsyncIterator
import datetime as dt

import aiohttp
import pytest

from custom_components.pbx.api.models import WakeupAlarm, Weekday
from custom_components.pbx.api.yeastar import YeastarClient
from simulator import PbxModel, YeastarServer

from ..conftest import yeastar_data
from .args import client_args
from .test_yeastar_hostile import HostilePbx


@pytest.fixture
async def client(yeastar: YeastarServer) -> AsyncIterator[YeastarClient]:
    async with aiohttp.ClientSession() as session:
        client = YeastarClient(session, **client_args(yeastar_data(yeastar)))
        assert isinstance(client, YeastarClient)
        await client.async_connect()
        yield client
        await client.async_close()


async def test_snapshot_groups_alarms_by_extension(
    client: YeastarClient, model: PbxModel, yeastar: YeastarServer
) -> None:
    first = model.add_alarm("201", 6, 30, days=["mon", "fri"], name="Early")
    once = model.add_alarm("202", 8, 0, 15, date=dt.date(2030, 1, 2), enabled=False)
    second = model.add_alarm("201", 7, 0)

    snapshot = await client.async_fetch_snapshot()

    assert set(snapshot.alarms) == {"201", "202"}
    assert snapshot.alarms["201"] == (
        WakeupAlarm(
            "201",
            dt.time(6, 30),
            alarm_id=str(first.id),
            name="Early",
            days=frozenset({Weekday.MON, Weekday.FRI}),
            retries=3,
            snooze=5,
        ),
        WakeupAlarm(
            "201",
            dt.time(7, 0),
            alarm_id=str(second.id),
            retries=3,
            snooze=5,
        ),
    )
    (alarm,) = snapshot.alarms["202"]
    assert (alarm.alarm_id, alarm.time, alarm.date, alarm.enabled) == (
        str(once.id),
        dt.time(8, 0, 15),
        dt.date(2030, 1, 2),
        False,
    )
    # One paged read of the alarms per snapshot, not one per extension.
    assert len(yeastar.requests_to("wakeupcall/list")) == 1

    model.delete_alarm(once.id)
    assert set((await client.async_fetch_snapshot()).alarms) == {"201"}


async def test_snapshot_without_alarms(client: YeastarClient) -> None:
    assert (await client.async_fetch_snapshot()).alarms == {}


async def test_alarms_refused_leave_the_rest_of_the_snapshot() -> None:
    """A PBX that refuses `wakeupcall/list` (no permission, say) still gives its snapshot."""
    pbx = HostilePbx()
    pbx.replies["extension/list"] = {"errcode": 0, "total_number": 1, "data": [{"number": "7"}]}
    pbx.replies["wakeupcall/list"] = {"errcode": 60009, "errmsg": "NO PERMISSION"}
    await pbx.start()
    try:
        async with aiohttp.ClientSession() as session:
            client = YeastarClient(
                session,
                host="127.0.0.1",
                port=pbx.port,
                ssl=False,
                verify_ssl=True,
                client_id="id",
                client_secret="secret-0001",
            )
            await client.async_connect()
            snapshot = await client.async_fetch_snapshot()
            await client.async_close()
    finally:
        await pbx.stop()
    assert list(snapshot.extensions) == ["7"]
    assert snapshot.alarms == {}
