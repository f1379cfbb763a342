"""Workspace attribution through contextvars: correct across asyncio tasks and threads."""
from __future__ import annotations

import contextvars

_current: contextvars.ContextVar[str] = contextvars.ContextVar("quotaguard_workspace", default="default")


def current_workspace() -> str:
    return _current.get()


class workspace:
    """Attribute the calls made inside the block to a tenant.

    ``with quotaguard.workspace("acme"): client.chat.completions.create(...)``; also
    ``async with``. Each asyncio task and each thread sees its own value (a new thread starts
    in "default" unless it runs inside ``contextvars.copy_context()``).
    """

    __slots__ = ("_id", "_tokens")

    def __init__(self, id: str):
        if not isinstance(id, str) or not id:
            raise ValueError("workspace id must be a non-empty string")
        # Names are data: one that UTF-8 cannot encode (a lone surrogate) is kept with '?' in its
        # place, as the tracker stores it, instead of failing calls later.
        self._id = id.encode("utf-8", "replace").decode("utf-8")
        self._tokens: list = []

    def __enter__(self) -> str:
        self._tokens.append(_current.set(self._id))
        return self._id

    def __exit__(self, *exc) -> None:
        _current.reset(self._tokens.pop())

    async def __aenter__(self) -> str:
        return self.__enter__()

    async def __aexit__(self, *exc) -> None:
        self.__exit__(*exc)
