"""Run the whole assistant: migrate, train/index when needed, start and supervise 3 servers.

``python -m assistant serve`` (the README's run command, via ``make run``):

1. applies the database migrations and creates the accounts, in a child process
   (``python -m assistant prepare``, so that the supervising runner stays small);
2. retrains the Rasa model only when ``config.yml``, ``domain/`` or ``nlu_data/``
   changed (fingerprint stored next to the model);
3. rebuilds the knowledge-base index only when the content changed;
4. starts the Rasa server (127.0.0.1:5005), the action server (127.0.0.1:5055) and the web
   app, waits until all three answer, warms them up, prints the URL; with
   ``ASSISTANT_RASA_REPLICAS=N``, N Rasa servers and N action servers (``scale_out.py``);
5. restarts a server that dies or stops answering, with a back-off, keeps the web app up
   when Rasa or the action server is given up (``assistant/supervisor.py``), and stops all
   three cleanly on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import yaml

from assistant.config import Settings
from assistant.scale_out import (
    action_server_urls,
    rasa_urls,
    replica_endpoints,
    replica_env,
    topology_problem,
)
from assistant.supervisor import QUIET_ENV, Server, Supervisor, http_probe
from storage.paths import REPO_ROOT

logger = logging.getLogger("assistant.runner")

RASA_BIN = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
# ``rasa run`` with the action replies' schema checked once (nlu_components/rasa_server.py)
RASA_SERVER = [str(RASA_PYTHON), "-m", "nlu_components.rasa_server"]
MAIN_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
MODELS_DIR = REPO_ROOT / "models"
MODEL_NAME = "assistant"
MODEL_FILE = MODELS_DIR / f"{MODEL_NAME}.tar.gz"
FINGERPRINT_FILE = MODELS_DIR / f"{MODEL_NAME}.fingerprint"
VAR_DIR = REPO_ROOT / "var"
LOG_DIR = VAR_DIR / "log"
RUN_DIR = VAR_DIR / "run"
TRAIN_LOCK = MODELS_DIR / ".train.lock"
TRAINING_INPUTS = ("config.yml", "domain", "nlu_data", "requirements-rasa.txt")


def training_fingerprint(root: Path = REPO_ROOT) -> str:
    """Hash of everything the Rasa model is trained from."""
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.exists():
                digest.update(str(file.relative_to(root)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def model_is_current(root: Path = REPO_ROOT) -> bool:
    return (
        MODEL_FILE.exists()
        and FINGERPRINT_FILE.exists()
        and FINGERPRINT_FILE.read_text().strip() == training_fingerprint(root)
    )


def pids_file(web_port: int) -> Path:
    """Where the runner serving ``web_port`` writes its servers' PIDs."""
    return RUN_DIR / f"servers-{web_port}.json"


def train_model(force: bool = False) -> bool:
    """Train the Rasa model if its inputs changed; returns True when it trained.

    A file lock serialises concurrent runners (two stacks, or a test and a developer).
    """
    MODELS_DIR.mkdir(exist_ok=True)
    with TRAIN_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _train_locked(force)


def _train_locked(force: bool) -> bool:
    if not force and model_is_current():
        logger.info("Modèle Rasa à jour (%s), pas d'entraînement.", MODEL_FILE.name)
        return False
    fingerprint = training_fingerprint()
    logger.info("Entraînement du modèle Rasa…")
    started = time.monotonic()
    subprocess.run(
        [
            str(RASA_BIN),
            "train",
            "--data",
            "nlu_data",
            "--config",
            "config.yml",
            "--domain",
            "domain",
            "--out",
            str(MODELS_DIR),
            "--fixed-model-name",
            MODEL_NAME,
        ],
        cwd=REPO_ROOT,
        env={**os.environ, **QUIET_ENV},
        check=True,
    )
    FINGERPRINT_FILE.write_text(fingerprint + "\n")
    logger.info("Modèle entraîné en %.0f s.", time.monotonic() - started)
    return True


def build_index() -> None:
    """Rebuild the knowledge-base index if the content or the embedder changed."""
    subprocess.run(
        [str(MAIN_PYTHON), "-m", "knowledge_base", "build", "--if-stale"],
        cwd=REPO_ROOT,
        env={**os.environ, **QUIET_ENV},
        check=True,
    )


def write_endpoints(settings: Settings, replica: int = 0) -> Path:
    """``endpoints.yml`` for Rasa replica ``replica``: its action server's URL and, when set,
    the shared tracker and lock stores (ports and stores are settings; ``scale_out.py``)."""
    base = yaml.safe_load((REPO_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints = replica_endpoints(settings, base, replica)
    suffix = "" if settings.rasa_replicas == 1 else f"-{replica + 1}"
    path = RUN_DIR / f"endpoints-{settings.web_port}{suffix}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, allow_unicode=True), encoding="utf-8")
    return path


def proxy_options(settings: Settings) -> list[str]:
    """Uvicorn's options for forwarded headers: believed only from the trusted proxies."""
    proxies = ",".join(p.strip() for p in settings.trusted_proxies.split(",") if p.strip())
    if not proxies:
        return ["--no-proxy-headers"]
    return ["--proxy-headers", "--forwarded-allow-ips", proxies]


def worker_options(settings: Settings) -> list[str]:
    """Uvicorn's ``--workers`` when the settings ask for several web workers (issue 17)."""
    return ["--workers", str(settings.web_workers)] if settings.web_workers > 1 else []


def _replica_name(kind: str, settings: Settings, replica: int) -> str:
    """``rasa``/``actions`` alone (logs and PID keys of ``make run``), numbered from 1 when
    there are several replicas."""
    return kind if settings.rasa_replicas == 1 else f"{kind}-{replica + 1}"


def rasa_server(settings: Settings, rasa_token: str, replica: int) -> Server:
    url = rasa_urls(settings)[replica]
    return Server(
        _replica_name("rasa", settings, replica),
        [
            *RASA_SERVER,
            "run",
            "--enable-api",
            "-i",
            "127.0.0.1",
            "-p",
            str(urlsplit(url).port),
            "--model",
            str(MODEL_FILE),
            "--endpoints",
            str(write_endpoints(settings, replica)),
            "--credentials",
            "credentials.yml",
            "--auth-token",
            rasa_token,
            "--response-timeout",
            "60",
        ],
        f"{url}/status?token={rasa_token}",
        LOG_DIR,
        env=replica_env(settings),
        kind="rasa",
    )


def action_server(settings: Settings, replica: int) -> Server:
    url = action_server_urls(settings)[replica]
    return Server(
        _replica_name("actions", settings, replica),
        # one process, no Sanic worker manager (actions/serve.py: memory, and a kill is seen)
        [str(MAIN_PYTHON), "-m", "actions.serve", "-p", str(urlsplit(url).port)],
        f"{url}/health",
        LOG_DIR,
        env={"SANIC_HOST": "127.0.0.1"},
        kind="actions",
    )


def make_servers(settings: Settings, rasa_token: str) -> list[Server]:
    """Rasa and action servers (one pair per replica), then the web app."""
    replicas = range(settings.rasa_replicas)
    web_url = f"http://{settings.web_host}:{settings.web_port}"
    return [
        *(rasa_server(settings, rasa_token, i) for i in replicas),
        *(action_server(settings, i) for i in replicas),
        Server(
            "web",
            [
                str(MAIN_PYTHON),
                "-m",
                "uvicorn",
                "assistant.main:app",
                "--host",
                settings.web_host,
                "--port",
                str(settings.web_port),
                "--no-access-log",
                *proxy_options(settings),
                *worker_options(settings),
            ],
            f"{web_url}/health/live",
            LOG_DIR,
            env={"ASSISTANT_RASA_TOKEN": rasa_token},
        ),
    ]


def warm_up(settings: Settings, rasa_token: str) -> None:
    """Run one parse and one knowledge-base search on each replica so the first user does not
    wait."""
    urls = zip(rasa_urls(settings), action_server_urls(settings), strict=True)
    for rasa_url, action_url in urls:
        _warm_up_replica(rasa_url, action_url, rasa_token)


def _warm_up_replica(rasa_url: str, action_url: str, rasa_token: str) -> None:
    with httpx.Client(timeout=60.0) as client:
        try:
            client.post(
                f"{rasa_url}/model/parse",
                params={"token": rasa_token},
                json={"text": "bonjour"},
            )
            client.post(
                f"{action_url}/webhook",
                json={
                    "next_action": "action_answer_question",
                    "sender_id": "warm-up",
                    "version": "3.6.21",
                    "domain": {},
                    "tracker": {
                        "sender_id": "warm-up",
                        "slots": {},
                        "events": [],
                        "paused": False,
                        "latest_message": {
                            "text": "Le portail est-il gratuit ?",
                            "intent": {},
                            "entities": [],
                        },
                        "followup_action": None,
                        "active_loop": {},
                        "latest_action_name": None,
                    },
                },
            )
        except httpx.HTTPError as exc:
            logger.warning("Préchauffage incomplet : %r", exc)


def prepare_storage_in_child() -> bool:
    """``python -m assistant prepare`` (migrations, accounts, support data) in a child
    process, with this process's environment: the runner stays small while it supervises
    (:mod:`assistant.prepare`). False, with the reason printed, when it fails."""
    done = subprocess.run([sys.executable, "-m", "assistant", "prepare"], cwd=REPO_ROOT)
    if done.returncode != 0:
        print(
            "La préparation de la base a échoué (migrations, comptes ou données du support) : "
            "voir les messages ci-dessus.",
            file=sys.stderr,
        )
    return done.returncode == 0


def serve(settings: Settings, train: bool = True, index: bool = True) -> int:
    """Prepare and run the three servers until interrupted."""
    if settings.web_workers > 1 and not settings.redis_url:
        print(
            "Plusieurs processus web (ASSISTANT_WEB_WORKERS) demandent un Redis partagé : "
            "renseignez ASSISTANT_REDIS_URL.",
            file=sys.stderr,
        )
        return 1
    problem = topology_problem(settings)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    VAR_DIR.mkdir(exist_ok=True)
    started = time.monotonic()
    if not prepare_storage_in_child():
        return 1
    if train:
        train_model()
    elif not MODEL_FILE.exists():
        print("Aucun modèle Rasa : lancez `make train`.", file=sys.stderr)
        return 1
    if index:
        build_index()
    # hex, not urlsafe: a token starting with "-" would be read as an option by argparse
    rasa_token = settings.rasa_token or secrets.token_hex(24)
    probe_client = httpx.Client()
    supervisor = Supervisor(
        make_servers(settings, rasa_token), pids_file(settings.web_port), http_probe(probe_client)
    )
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    print("Démarrage de Rasa, du serveur d'actions et de l'application web…", flush=True)
    supervisor.start_all()
    try:
        if not supervisor.wait_ready():
            if not supervisor.stopping:
                print("Les serveurs ne sont pas prêts : journaux dans var/log/.", file=sys.stderr)
            return 1
        warm_up(settings, rasa_token)
        url = f"http://{settings.web_host}:{settings.web_port}/"
        print(
            f"Assistant prêt en {time.monotonic() - started:.0f} s : {url}  (Ctrl-C pour arrêter)",
            flush=True,
        )
        return supervisor.supervise()
    finally:
        supervisor.stop_all()
        probe_client.close()
        print("Serveurs arrêtés.", flush=True)
