"""Admission keeps the number of requests in work at the limit; the others wait, none is lost."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from api.admission import Admission


def test_no_more_requests_than_the_limit_are_in_work_at_once() -> None:
    inside, most, done = 0, 0, 0

    async def slow_app(scope: object, receive: object, send: object) -> None:
        nonlocal inside, most, done
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)
        inside -= 1
        done += 1

    admission = Admission(slow_app, limit=3)  # type: ignore[arg-type]

    async def many() -> None:
        await asyncio.gather(*(admission({"type": "http"}, None, None) for _ in range(20)))  # type: ignore[arg-type]

    def run() -> None:  # in a thread of its own: the browser tests keep a loop in the main thread
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, many()).result()

    run()
    assert (most, done) == (3, 20)
    run()  # a second event loop gets its own slots
    assert done == 40
