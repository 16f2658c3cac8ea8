"""A raw aiohttp client of the fake Wings websocket, for the tests of the fake itself.

It knows nothing of ``pyjexactyl``'s own console session: it speaks §8 frame by frame so that the tests
check the fake against the contract, not against our client.
"""

from __future__ import annotations

import json
import time
from types import TracebackType
from typing import Any

import aiohttp

from pyjexactyl.testing import FakePanel, FakeServer, FakeUser

Frame = tuple[str, list[str]]


async def ws_token(panel: FakePanel, server: FakeServer, user: FakeUser | None = None) -> tuple[str, str]:
    """``(token, socket)`` from ``GET /websocket`` with the user's client key (the seeded user by default)."""
    headers = panel.auth_headers(user)
    async with aiohttp.ClientSession(headers=headers) as http:
        url = f"{panel.url}/api/client/servers/{server.identifier}/websocket"
        async with http.get(url) as response:
            assert response.status == 200, await response.text()
            data = (await response.json())["data"]
    return data["token"], data["socket"]


class WingsClient:
    """One socket: ``send`` frames, ``receive`` them, ``expect`` an event while collecting the others."""

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse, token: str) -> None:
        self.session = session
        self.ws = ws
        self.token = token
        self.seen: list[Frame] = []
        self.status = ""

    @classmethod
    async def connect(
        cls,
        panel: FakePanel,
        server: FakeServer,
        *,
        user: FakeUser | None = None,
        origin: str | None = "panel",
        auth: bool = True,
    ) -> WingsClient:
        """Fetch a token and open the socket with ``Origin: <panel URL>`` (or ``origin``).

        With ``auth`` it authenticates and reads the first ``status`` (into :attr:`status`) and, for an
        offline server, the one ``stats`` that follows.
        """
        token, socket = await ws_token(panel, server, user)
        session = aiohttp.ClientSession()
        headers = {} if origin is None else {"Origin": panel.url if origin == "panel" else origin}
        try:
            ws = await session.ws_connect(socket, headers=headers, autoping=True)
        except BaseException:
            await session.close()
            raise
        client = cls(session, ws, token)
        if auth:  # the first auth also brings the status, and one stats when offline
            await client.auth()
            client.status = (await client.expect("status"))[0]
            if client.status == "offline":
                await client.expect("stats", ignore=())
        return client

    async def __aenter__(self) -> WingsClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self.ws.close()
        await self.session.close()

    async def send(self, event: str, *args: Any) -> None:
        await self.ws.send_str(json.dumps({"event": event, "args": list(args)}))

    async def auth(self, token: str | None = None) -> None:
        await self.send("auth", token or self.token)
        await self.expect("auth success")

    async def receive_raw(self, timeout: float = 5.0) -> aiohttp.WSMessage:
        return await self.ws.receive(timeout=timeout)

    async def receive(self, timeout: float = 5.0) -> Frame:
        message = await self.ws.receive(timeout=timeout)
        assert message.type == aiohttp.WSMsgType.TEXT, message
        frame = json.loads(message.data)
        return frame["event"], frame.get("args", [])

    async def expect(self, event: str, *, timeout: float = 5.0, ignore: tuple[str, ...] = ("stats",)) -> list[str]:
        """Read until ``event`` arrives (within ``timeout`` in all) and return its args.

        Other events (but ``ignore``) are appended to ``seen``.
        """
        deadline = time.monotonic() + timeout
        while True:
            name, args = await self.receive(max(0.0, deadline - time.monotonic()))
            if name == event:
                return args
            if name not in ignore:
                self.seen.append((name, args))

    async def collect_until(self, event: str, *, timeout: float = 5.0) -> list[Frame]:
        """Every frame up to and including the first ``event`` (within ``timeout`` in all)."""
        deadline = time.monotonic() + timeout
        frames: list[Frame] = []
        while True:
            frame = await self.receive(max(0.0, deadline - time.monotonic()))
            frames.append(frame)
            if frame[0] == event:
                return frames

    async def barrier(self) -> list[Frame]:
        """Frames sent before the answer to a ``send stats`` (Wings handles a socket's messages in order)."""
        await self.send("send stats")
        frames = await self.collect_until("stats")
        return frames[:-1]

    async def closed(self, timeout: float = 5.0) -> aiohttp.WSMessage:
        """Read until the socket closes (within ``timeout`` in all); returns the closing message."""
        deadline = time.monotonic() + timeout
        while True:
            message = await self.ws.receive(timeout=max(0.0, deadline - time.monotonic()))
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                return message
