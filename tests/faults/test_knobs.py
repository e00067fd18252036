"""The generic fault knobs of `simulator.faults`, on their own (the fault suite uses them on
every vendor)."""

from __future__ import annotations

import struct

import aiohttp
from aiohttp import web

from simulator import Faults
from simulator.faults import WS_BINARY, websocket_frame
from simulator.server import SimServer


class EchoServer(SimServer):
    """A surface with one JSON endpoint and one WebSocket that says hello."""

    def setup_routes(self, app: web.Application) -> None:
        app.router.add_get("/json", self._json)
        app.router.add_get("/ws", self._ws)

    async def _json(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str("hello")
        async for _message in ws:
            await ws.send_str("echo")
        return ws


def test_websocket_frames_of_every_length() -> None:
    assert websocket_frame(b"x") == b"\x81\x01x"
    assert websocket_frame(b"x" * 200, WS_BINARY)[:4] == b"\x82\x7e" + struct.pack("!H", 200)
    big = websocket_frame(b"x" * 70_000)
    assert big[:10] == b"\x81\x7f" + struct.pack("!Q", 70_000)


async def test_knobs() -> None:
    faults = Faults(seed=3)
    async with EchoServer(faults=faults) as server, aiohttp.ClientSession() as session:
        faults.error_burst = 2
        for _ in range(2):
            async with session.get(f"{server.url}/json") as response:
                assert response.status >= 500
        faults.mangler = lambda body: body[:3]
        faults.mangled_requests = {"/json"}
        async with session.get(f"{server.url}/json") as response:
            assert await response.read() == b'{"o'
        faults.clear()
        faults.slow_requests["/json"] = 0.01
        async with session.get(f"{server.url}/json") as response:
            assert (await response.json())["ok"] is True
        faults.clear()

        async with session.ws_connect(f"{server.url}/ws") as ws:
            assert (await ws.receive_str()) == "hello"
            assert faults.websocket_count == 1
            assert faults.inject_websocket_frame(b"injected") == 1
            assert (await ws.receive_str()) == "injected"
            assert faults.mute_websockets() == 1
            await ws.send_str("ping")
            assert faults.drop_websockets() == 1
            message = await ws.receive()
            assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
        assert faults.injected["ws_frame"] == 1
        assert faults.injected["mangled"] == 1
        assert faults.injected["slow"] == 1
        assert faults.in_flight == 0 or faults.websocket_count == 0
