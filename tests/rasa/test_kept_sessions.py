"""``nlu_components.kept_sessions`` in Rasa's own environment (issue 17): Rasa's calls to an
endpoint share one kept-alive connection instead of opening one per call, get the same
replies, survive the endpoint's restart, and the sessions are closed when the Rasa server
stops. Counts only, no timing. Skipped without ``.venv-rasa``."""

from __future__ import annotations

import pytest

from tests.rasa.rasa_env import run_in_rasa_env

CALLS = 5
SCRIPT = """
import asyncio, json
from aiohttp import web
import rasa.core.run
from rasa.utils.endpoints import EndpointConfig
from nlu_components import kept_sessions

CALLS = @CALLS@
peers = []

async def webhook(request):
    peers.append(request.transport.get_extra_info("peername")[1])
    return web.json_response({"echo": await request.json()})

async def serve(port=0):
    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]

async def call(endpoint, n):
    return [(await endpoint.request(json={"i": i}, method="post"))["echo"]["i"]
            for i in range(n)]

async def main():
    out = {}
    server, port = await serve()
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Test": "1"})
    await call(endpoint, CALLS)
    out["connections_before"] = len(set(peers))
    kept_sessions.install()
    kept_sessions.install()  # a second install changes nothing
    peers.clear()
    out["replies"] = await call(endpoint, CALLS)
    out["connections_after"] = len(set(peers))
    await server.cleanup()  # the endpoint restarts: its connections are dropped
    server, _ = await serve(port)
    out["replies_after_restart"] = await call(endpoint, 2)
    await kept_sessions.close_all()
    out["open_after_close"] = len(kept_sessions._SESSIONS)
    await server.cleanup()
    app = rasa.core.run.configure_app(enable_api=False)
    out["closed_at_stop"] = any(
        route.path.startswith("server.shutdown")
        and getattr(route.handler, "keywords", {}).get("listener") is kept_sessions.close_all
        for route in app.signal_router.routes
    )
    print(json.dumps(out))

asyncio.run(main())
""".replace("@CALLS@", str(CALLS))


@pytest.fixture(scope="module")
def result() -> dict[str, object]:
    return run_in_rasa_env(SCRIPT)


def test_kept_sessions_one_connection_for_all_calls(result: dict[str, object]) -> None:
    assert result["connections_before"] == CALLS  # Rasa's own: one connection per call
    assert result["connections_after"] == 1
    assert result["replies"] == list(range(CALLS))


def test_kept_sessions_endpoint_restart_answered(result: dict[str, object]) -> None:
    assert result["replies_after_restart"] == [0, 1]


def test_kept_sessions_closed_when_server_stops(result: dict[str, object]) -> None:
    assert result["open_after_close"] == 0
    assert result["closed_at_stop"] is True
