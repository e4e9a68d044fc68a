"""One input channel served over real HTTP (Sanic, in a thread) with a scripted assistant
instead of Rasa: for testing a channel's HTTP behaviour in a second, not 30."""
from __future__ import annotations

import asyncio
import itertools
import threading
from typing import Any, Awaitable, Callable, List, Optional
from unittest import mock

from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic
from sanic.touchup import TouchUp

from scripts.serve import free_port

Assistant = Callable[[UserMessage], Awaitable[Any]]
_names = itertools.count(1)
_touch_up = TouchUp.run
_touched_up: List[bool] = []


def _touch_up_once(app: Sanic) -> None:
    """Sanic's start-up "touch-up" recompiles its own HTTP class in place, for every app
    alike; a second run in the same process fails, so run it for the first server only."""
    if not _touched_up:
        _touch_up(app)
        _touched_up.append(True)


class ChannelServer:
    def __init__(self, channel: InputChannel, assistant: Assistant) -> None:
        self.channel = channel
        self.heard: List[UserMessage] = []  # every message that reached the assistant

        async def on_new_message(message: UserMessage) -> None:
            self.heard.append(message)
            await assistant(message)

        class Agent:  # what Rasa's handler calls: app.ctx.agent.handle_message(message)
            handle_message = staticmethod(on_new_message)

        self.on_new_message = on_new_message
        self.app = Sanic(f"channel_test_{next(_names)}")
        self.app.ctx.agent = Agent()
        register([channel], self.app, route="/webhooks/")  # as `rasa run` does
        self.port = free_port()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._server: Any = None
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/{self.channel.url_prefix()}"

    def run(self, coroutine: Awaitable[Any], timeout: float = 60) -> Any:
        """Run `coroutine` on the server's event loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def start(self) -> "ChannelServer":
        ready = threading.Event()
        failure: List[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop

            async def main() -> None:
                try:
                    self._server = await self.app.create_server(
                        host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False
                    )
                    await self._server.startup()
                    await self._server.after_start()
                except BaseException as error:  # reported to the test thread
                    failure.append(error)
                    raise
                finally:
                    ready.set()
                await self._server.serve_forever()

            try:
                loop.run_until_complete(main())
            except BaseException:
                pass

        with mock.patch.object(TouchUp, "run", _touch_up_once):
            self._thread = threading.Thread(target=serve, daemon=True)
            self._thread.start()
            ready.wait(30)
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            await self._server.before_stop()
            self._server.close()
            await self._server.wait_closed()
            await self._server.after_stop()

        if self._server is not None:
            self.run(shutdown())
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> "ChannelServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
