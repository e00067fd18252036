"""Tests of fault injection and TLS on a simulated surface."""

from __future__ import annotations

import aiohttp
import pytest

from simulator import Faults, PbxModel, YeastarServer

UA = {"User-Agent": "OpenAPI"}
LOGIN = {"username": "cid", "password": "secret"}


async def test_faults_switch_on_and_off() -> None:
    faults = Faults(seed=1)
    async with (
        YeastarServer(
            PbxModel.office(), client_id="cid", client_secret="secret", faults=faults
        ) as server,
        aiohttp.ClientSession(headers=UA) as session,
    ):
        url = f"{server.url}/openapi/v1.0/get_token"
        faults.error_rate = 1.0
        async with session.post(url, json=LOGIN) as response:
            assert response.status in (500, 502, 503)
        faults.error_rate = 0.0
        faults.drop_rate = 1.0
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await session.post(url, json=LOGIN)
        faults.drop_rate = 0.0
        faults.malformed_rate = 1.0
        async with session.post(url, json=LOGIN) as response:
            assert response.status == 200
            with pytest.raises(ValueError):
                await response.json()
        faults.clear()
        faults.latency = 0.05
        async with session.post(url, json=LOGIN) as response:
            assert (await response.json())["errcode"] == 0
        assert faults.injected == {"error": 1, "drop": 1, "malformed": 1}
        assert len(server.requests_to("get_token", "POST")) == 4


async def test_tls_certificate_is_not_trusted_by_default() -> None:
    async with (
        YeastarServer(
            PbxModel.office(), client_id="cid", client_secret="secret", tls=True
        ) as server,
        aiohttp.ClientSession(headers=UA) as session,
    ):
        assert server.url.startswith("https://127.0.0.1:")
        url = f"{server.url}/openapi/v1.0/get_token"
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await session.post(url, json=LOGIN)
        async with session.post(url, json=LOGIN, ssl=server.client_ssl_context()) as response:
            assert (await response.json())["errcode"] == 0
        async with session.post(url, json=LOGIN, ssl=False) as response:
            assert (await response.json())["errcode"] == 0
