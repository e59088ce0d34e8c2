"""The action server in one process: ``python -m actions.serve -p 5055`` (the runner's command).

``python -m rasa_sdk`` serves through Sanic's worker manager: a parent process that imports
rasa_sdk and this package (about 104 MiB resident), two small helper processes (about
32 MiB), and the worker that answers and holds the models. On one machine the parent only
forks and watches, which the runner's supervisor already does (it restarts a server that
dies or stops answering its health URL, ``assistant/supervisor.py``). So the same Sanic app
(:func:`rasa_sdk.endpoint.create_app_for_serve`, with every action of this package
registered) is served here in a single process: about 136 MiB less for each action server
(issue 17, BENCHMARKS.md), and a killed server is a dead PID the supervisor sees at once,
not a parent holding the port open for a worker that is gone (issue 12, point 1).
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic

from actions.knowledge import serve_from_this_process

logger = logging.getLogger("actions.serve")

ACTIONS_PACKAGE = "actions"
DEFAULT_PORT = 5055
HOST_VARIABLE = "SANIC_HOST"  # as rasa_sdk reads it; the runner sets 127.0.0.1
DEFAULT_HOST = "127.0.0.1"


def build_app(package: str = ACTIONS_PACKAGE) -> Sanic[Any, Any]:
    """rasa_sdk's Sanic app with every action of ``package`` registered."""
    executor = ActionExecutor()
    executor.register_package(package)
    app: Sanic[Any, Any] = create_app_for_serve(executor, cors_origins=None)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serveur d'actions de l'assistant (un processus).")
    parser.add_argument("-p", "--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = build_app()
    serve_from_this_process()
    host = os.environ.get(HOST_VARIABLE, DEFAULT_HOST)
    logger.info("actions.serve host=%s port=%d single_process=true", host, args.port)
    app.prepare(host=host, port=args.port, single_process=True)
    Sanic.serve_single(primary=app)


if __name__ == "__main__":
    main()
