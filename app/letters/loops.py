"""pyHanko's synchronous API inside a thread that may already run an event loop."""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars


def outside_event_loop(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``. pyHanko's synchronous calls run ``asyncio.run()``, which is
    refused in a thread that already runs an event loop (an async server; Playwright's sync API
    in the tests): there, a thread of its own, with this one's context (Flask's contexts, the
    language)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, fn, *args, **kwargs).result()
