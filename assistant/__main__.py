"""Command line: ``python -m assistant {serve,train,prepare,db-upgrade,db-revision,purge,
purge-turns,eval,bench}``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

# One command: its parsed arguments in, the process's exit status out.
Command: TypeAlias = Callable[[argparse.Namespace], int]
# What ``ArgumentParser.add_subparsers()`` returns (argparse names it privately).
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser: one sub-command per entry of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_server_commands(sub)
    _add_database_commands(sub)
    _add_measure_commands(sub)
    return parser


def _add_server_commands(sub: Subparsers) -> None:
    serve = sub.add_parser("serve", help="lancer Rasa, le serveur d'actions et l'application web")
    serve.add_argument("--no-train", action="store_true", help="ne pas réentraîner le modèle")
    serve.add_argument("--no-index", action="store_true", help="ne pas reconstruire l'index")
    train = sub.add_parser("train", help="entraîner le modèle Rasa s'il a changé")
    train.add_argument("--force", action="store_true")


def _add_database_commands(sub: Subparsers) -> None:
    sub.add_parser("db-upgrade", help="appliquer les migrations de la base")
    sub.add_parser(
        "prepare",
        help="appliquer les migrations, créer les comptes et les données du support "
        "(ce que `serve` fait avant de démarrer les serveurs)",
    )
    revision = sub.add_parser(
        "db-revision", help="écrire une migration d'après les modèles (autogenerate)"
    )
    revision.add_argument("-m", "--message", required=True, help="objet de la migration")
    revision.add_argument(
        "--head", default="head", help="révision de départ (une tête de branche, ex. 0003)"
    )
    sub.add_parser(
        "purge-turns",
        help="supprimer les tours de conversation au-delà de la durée de conservation",
    )
    sub.add_parser(
        "purge",
        help="supprimer conversations et tickets au-delà de leur durée de conservation",
    )


def _add_measure_commands(sub: Subparsers) -> None:
    ev = sub.add_parser("eval", help="évaluer l'assistant en marche sur un jeu JSONL")
    ev.add_argument("path", type=Path)
    ev.add_argument("--url", default="http://127.0.0.1:8000")
    ev.add_argument("--kind", action="append", help="ne garder que ce type (répétable)")
    ev.add_argument("--json", type=Path, help="écrire aussi le rapport en JSON ici")
    ev.add_argument(
        "--no-turn-log",
        action="store_true",
        help="ne pas lire le journal des tours (issues et routage) dans la base de l'assistant",
    )
    ev.add_argument(
        "--min-pass-rate",
        type=float,
        default=0.0,
        help="code de sortie 1 si le taux global est inférieur",
    )
    bench = sub.add_parser("bench", help="latence web/Rasa et mémoire des serveurs en marche")
    bench.add_argument("--url", default="http://127.0.0.1:8000")
    bench.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    bench.add_argument("--requests-per-user", type=int, default=30)


def _serve(args: argparse.Namespace) -> int:
    from assistant.config import get_settings
    from assistant.runner import serve

    return serve(get_settings(), train=not args.no_train, index=not args.no_index)


def _train(args: argparse.Namespace) -> int:
    from assistant.runner import train_model

    train_model(force=args.force)
    return 0


def _prepare(_args: argparse.Namespace) -> int:
    from assistant.config import get_settings
    from assistant.prepare import prepare_storage

    prepare_storage(get_settings())
    return 0


def _db_upgrade(_args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    upgrade()
    return 0


def _db_revision(args: argparse.Namespace) -> int:
    from alembic import command

    from assistant.models import import_all_models
    from storage.migrate import alembic_config

    import_all_models()  # every feature's tables on Base.metadata, for the comparison
    command.revision(alembic_config(), message=args.message, autogenerate=True, head=args.head)
    return 0


def _purge_turns(_args: argparse.Namespace) -> int:
    from assistant.retention import purge_chat
    from portal.settings import get_portal_settings

    result = purge_chat()
    days = get_portal_settings().chat_retention_days
    print(f"{result.turns} tour(s) de conversation de plus de {days} jours supprimé(s).")
    if result.tracker_events is None:
        print("Base de conversations de Rasa absente : aucun événement à supprimer.")
    else:
        print(f"{result.tracker_events} événement(s) de Rasa de plus de {days} jours supprimé(s).")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from assistant.retention import purge_tickets
    from support_tickets.config import get_support_settings
    from support_tickets.retention import retention_label

    _purge_turns(args)
    result = purge_tickets()
    after = retention_label(get_support_settings().ticket_retention_days)
    print(f"{result.tickets} ticket(s) clos ou résolu(s) depuis plus de {after} supprimé(s).")
    print(f"{result.incidents} incident(s) resté(s) sans ticket supprimé(s).")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from assistant.evaluation import evaluate, format_report, is_held_out
    from assistant.evaluation_outcomes import database_turn_log

    try:
        report = evaluate(
            args.path,
            args.url,
            set(args.kind) if args.kind else None,
            turn_log=None if args.no_turn_log else database_turn_log,
        )
    except OSError as exc:
        print(f"Jeu d'évaluation illisible : {args.path} ({exc.strerror})", file=sys.stderr)
        return 2
    except ValueError as exc:  # a malformed line: the message names the file and the line
        print(f"Jeu d'évaluation invalide : {exc}", file=sys.stderr)
        return 2
    shown = not is_held_out(args.path)
    print(format_report(report, show_failures=shown))
    if args.json:
        report_dict = report.as_dict(with_failures=shown)
        args.json.write_text(json.dumps(report_dict, ensure_ascii=False, indent=2))
    return 0 if report.pass_rate >= args.min_pass_rate else 1


def _bench(args: argparse.Namespace) -> int:
    from assistant.bench import format_results, run

    print(format_results(run(args.url, args.rasa_url, args.requests_per_user)))
    return 0


COMMANDS: dict[str, Command] = {
    "serve": _serve,
    "train": _train,
    "db-upgrade": _db_upgrade,
    "prepare": _prepare,
    "db-revision": _db_revision,
    "purge-turns": _purge_turns,
    "purge": _purge,
    "eval": _eval,
    "bench": _bench,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # httpx logs every request URL at INFO, including Rasa's API token: keep it quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
