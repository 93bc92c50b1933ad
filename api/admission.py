"""Admission: at most `limit` requests are worked on at once in one service process.

A request holds a database connection from its first query until its unit of work commits,
and the commit of a sync dependency runs in a worker thread again. Without a bound, more
requests than connections start, take every thread while waiting for a connection, and the
ones holding connections wait for a thread to commit: the process stalls until the pool
times out. Admitting no more requests than the pool has connections (and as many threads)
keeps every started request able to finish; the others wait here, holding nothing.
"""

from __future__ import annotations

import asyncio
import weakref

from starlette.types import ASGIApp, Receive, Scope, Send


class Admission:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        # one semaphore per event loop (a server has one; tests may run several apps' loops)
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.limit)
        async with slots:
            await self.app(scope, receive, send)
