"""Mutation testing of the critical modules with cosmic-ray (``make mutation``).

Each target is one module and the unit tests that must catch a bug in it. For every target
the script copies the working tree into ``var/mutation/<target>/tree`` (cosmic-ray edits the
source file in place, so it never touches the checkout), writes a cosmic-ray configuration,
runs every mutant against the target's tests and writes:

- ``var/mutation/<target>/summary.json``: killed, survived, incompetent, score;
- ``var/mutation/<target>/survivors.txt``: each surviving mutant with its diff.

Lines marked ``# pragma: no mutate`` are not mutated (log messages, equivalent mutants);
each such pragma is explained in TESTING.md.

    .venv/bin/python scripts/mutation.py                 # every target
    .venv/bin/python scripts/mutation.py decision identity
    .venv/bin/python scripts/mutation.py --list

The score is killed / (killed + survived); a timeout counts as killed (the mutant hangs the
tests), an incompetent mutant (does not even import) is left out of both.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "var" / "mutation"
PYTHON = REPO / ".venv" / "bin" / "python"
COSMIC_RAY = REPO / ".venv" / "bin" / "cosmic-ray"
FILTER_PRAGMA = REPO / ".venv" / "bin" / "cr-filter-pragma"
MIN_SCORE = 0.85  # the floor of issue 16 for every critical module
TIMEOUT_S = 60.0  # per mutant; the target's tests take a few seconds


@dataclass(frozen=True)
class Target:
    name: str
    module: str  # path of the mutated file, relative to the repository
    tests: tuple[str, ...]  # pytest paths (files or node ids) that must kill its mutants


TARGETS: tuple[Target, ...] = (
    Target(
        "decision",
        "knowledge_base/decision.py",
        ("tests/knowledge_base/test_decision.py",),
    ),
    Target(
        "fusion",
        "knowledge_base/search.py",
        ("tests/knowledge_base/test_search.py",),
    ),
    Target(
        "ticket_states",
        "support_tickets/state_machine.py",
        ("tests/support_tickets/test_state_machine.py",),
    ),
    Target(
        "submission_states",
        "portal/submissions/states.py",
        ("tests/portal/test_submissions_states.py",),
    ),
    Target(
        "identity",
        "portal/identity.py",
        ("tests/portal/test_identity.py",),
    ),
    Target(
        "agent_sessions",
        "support_tickets/auth.py",
        ("tests/support_tickets/test_auth.py",),
    ),
    Target(
        "rate_limit",
        "web_common/rate_limit.py",
        ("tests/web_common/test_rate_limit.py",),
    ),
    Target(
        "ticket_numbering",
        "support_tickets/numbering.py",
        ("tests/support_tickets/test_numbering.py", "tests/support_tickets/test_concurrency.py"),
    ),
    Target(
        "gateway",
        "assistant/chat/gateway.py",
        ("tests/assistant/test_gateway.py", "tests/assistant/test_chat_routes.py"),
    ),
    Target(
        "rollout",
        "knowledge_base/rollout/classification.py",
        (
            "tests/knowledge_base/test_rollout_classification.py",
            "tests/knowledge_base/test_rollout_rules.py",
        ),
    ),
    Target(
        "rollout_figures",
        "knowledge_base/rollout/figures.py",
        (
            "tests/knowledge_base/test_rollout_figures.py",
            "tests/knowledge_base/test_rollout_rules.py",
        ),
    ),
)


def _copy_tree(dest: Path) -> None:
    """Copy the files git would ship (tracked and new, not ignored) into ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        rel = Path(raw.decode())
        src = REPO / rel
        if not src.is_file():
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)


def _config(target: Target) -> str:
    tests = " ".join(target.tests)
    command = f"{PYTHON} -m pytest -x -q -p no:cacheprovider {tests}"
    return (
        "[cosmic-ray]\n"
        f'module-path = "{target.module}"\n'
        f"timeout = {TIMEOUT_S}\n"
        "excluded-modules = []\n"
        f'test-command = "{command}"\n'
        "\n[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )


def _summarise(session: Path, target: Target) -> dict[str, object]:
    dump = subprocess.run(
        [str(COSMIC_RAY), "dump", str(session)], check=True, capture_output=True, text=True
    ).stdout
    killed = survived = incompetent = skipped = 0
    survivors: list[str] = []
    for line in dump.splitlines():
        work_item, result = json.loads(line)
        if result is None:
            continue
        worker = result.get("worker_outcome")
        outcome = result.get("test_outcome")
        if worker == "skipped":
            skipped += 1
        elif worker == "timeout" or outcome == "killed":
            killed += 1
        elif outcome == "incompetent":
            incompetent += 1
        else:
            survived += 1
            for mutation in work_item["mutations"]:
                survivors.append(
                    f"{mutation['module_path']}:{mutation['start_pos'][0]} "
                    f"{mutation['operator_name']} #{mutation['occurrence']}\n"
                    f"{result.get('diff', '')}\n"
                )
    total = killed + survived
    return {
        "target": target.name,
        "module": target.module,
        "tests": list(target.tests),
        "killed": killed,
        "survived": survived,
        "incompetent": incompetent,
        "skipped_by_pragma": skipped,
        "score": round(killed / total, 4) if total else 1.0,
        "survivors": survivors,
    }


def run_target(target: Target) -> dict[str, object]:
    base = WORK / target.name
    tree = base / "tree"
    _copy_tree(tree)
    (tree / ".venv").symlink_to(REPO / ".venv")
    config = base / "cosmic-ray.toml"
    config.write_text(_config(target), encoding="utf-8")
    session = base / "session.sqlite"
    session.unlink(missing_ok=True)
    started = time.monotonic()
    subprocess.run([str(COSMIC_RAY), "init", str(config), str(session)], cwd=tree, check=True)
    subprocess.run([str(FILTER_PRAGMA), str(session)], cwd=tree, check=True)
    baseline = subprocess.run(
        [str(COSMIC_RAY), "baseline", str(config)], cwd=tree, capture_output=True, text=True
    )
    if baseline.returncode != 0:
        raise SystemExit(
            f"{target.name} : les tests échouent déjà sans mutation.\n{baseline.stdout[-2000:]}"
        )
    subprocess.run([str(COSMIC_RAY), "exec", str(config), str(session)], cwd=tree, check=True)
    summary = _summarise(session, target)
    summary["seconds"] = round(time.monotonic() - started)
    survivors = summary.pop("survivors")
    assert isinstance(survivors, list)
    (base / "survivors.txt").write_text("\n".join(survivors), encoding="utf-8")
    (base / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(tree)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help="targets to run (all by default)")
    parser.add_argument("--list", action="store_true", help="list the targets and stop")
    args = parser.parse_args(argv)
    by_name = {t.name: t for t in TARGETS}
    if args.list:
        for t in TARGETS:
            print(f"{t.name:18} {t.module:36} {' '.join(t.tests)}")
        return 0
    unknown = [name for name in args.targets if name not in by_name]
    if unknown:
        print(f"Cible inconnue : {', '.join(unknown)} (voir --list).", file=sys.stderr)
        return 2
    chosen = [by_name[name] for name in args.targets] or list(TARGETS)
    failed = False
    rows = []
    for target in chosen:
        summary = run_target(target)
        rows.append(summary)
        failed |= float(summary["score"]) < MIN_SCORE  # type: ignore[arg-type]
    print(f"\n{'target':18} {'killed':>6} {'survived':>8} {'score':>6}  module")
    for s in rows:
        print(
            f"{s['target']:18} {s['killed']:>6} {s['survived']:>8} {float(s['score']):>6.1%}  "  # type: ignore[arg-type]
            f"{s['module']}"
        )
    print(f"\nSurvivants : var/mutation/<cible>/survivors.txt (plancher {MIN_SCORE:.0%}).")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
