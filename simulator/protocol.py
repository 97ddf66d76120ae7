"""uvicorn's h11 protocol, extended so the app can reset a connection (the "reset" fault).

ASGI gives an application no handle on its socket; this protocol records each connection's
transport by client address, and `reset_connection` aborts it with SO_LINGER 0 (a TCP RST).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

_TRANSPORTS: dict[tuple[Any, ...], asyncio.Transport] = {}
_LOCK = threading.Lock()


class ResettableH11Protocol(H11Protocol):
    """H11Protocol that registers its transport so a request handler can reset it."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Register the transport under the peer address."""
        super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        if peer:
            with _LOCK:
                _TRANSPORTS[tuple(peer[:2])] = transport

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the transport."""
        peer = self.transport.get_extra_info("peername") if self.transport else None
        if peer:
            with _LOCK:
                _TRANSPORTS.pop(tuple(peer[:2]), None)
        super().connection_lost(exc)


async def reset_connection(client: tuple[Any, ...] | None) -> bool:
    """Abort the connection of `client` with a TCP reset; False when it cannot be found."""
    if client is None:
        return False
    with _LOCK:
        transport = _TRANSPORTS.get(tuple(client[:2]))
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    for _ in range(3):  # let connection_lost run so uvicorn does not answer 500 on a dead socket
        await asyncio.sleep(0)
    return True
