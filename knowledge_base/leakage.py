"""Evaluation text that leaks into training data.

A question of an evaluation set that also appears, word for word or nearly (a typo, a
changed number), in the texts the assistant learns from measures memory, not
generalisation. This module lists such overlaps:

- evaluation side: every ``question`` (and every user turn of a dialogue item's
  ``turns``) of ``../shared/eval/*.jsonl``, ``knowledge_base/eval/*.jsonl`` and
  ``eval/real_questions/*.jsonl``, plus the held-out NLU examples of
  ``tests/rasa/test_nlu.yml``;
- training side: the paraphrases of ``knowledge_base/paraphrases/``, the FAQ questions
  and variants of ``knowledge_base/faq/*.yml``, and every intent example of
  ``nlu_data/`` (entity annotations stripped).

Texts are compared after :func:`normalise` with ``rapidfuzz``'s ``fuzz.ratio``; a pair
scoring :data:`SIMILARITY_THRESHOLD` or more is an overlap. Run it before committing
content: ``.venv/bin/python -m knowledge_base leakage``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge_base.jsonl import read_jsonl
from knowledge_base.text import fold

REPO_DIR = Path(__file__).resolve().parent.parent

SIMILARITY_THRESHOLD: float = 90.0
"""Lowest ``fuzz.ratio`` (0–100, on normalised texts) at which an evaluation question and
a training text count as the same text. 90 catches a copy with a letter, a typo or a
number changed in a sentence, while two different questions on the same subject stay well
below it."""

SHARED_EVAL_DIR = REPO_DIR.parent / "shared" / "eval"
KB_EVAL_DIR = REPO_DIR / "knowledge_base" / "eval"
REAL_QUESTIONS_DIR = REPO_DIR / "eval" / "real_questions"
HELD_OUT_NLU = REPO_DIR / "tests" / "rasa" / "test_nlu.yml"
PARAPHRASES_DIR = REPO_DIR / "knowledge_base" / "paraphrases"
FAQ_DIR = REPO_DIR / "knowledge_base" / "faq"
NLU_DATA_DIR = REPO_DIR / "nlu_data"

# Rasa entity annotations: « [texte](entité) », « [texte]{"entity": …} ».
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# libyaml's loader when PyYAML has it: the NLU and paraphrase files hold ~13,000 lines.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LeakageError(RuntimeError):
    """An evaluation or training source is missing or malformed."""


@dataclass(frozen=True)
class Text:
    """One text and the file it comes from (relative to the repository when inside it)."""

    file: str
    text: str


HELD_OUT_SETS = (
    "real_questions/test.jsonl",
    "real_questions/test2.jsonl",
    "real_questions/test3.jsonl",
    "real_questions/test_dialogues.jsonl",
    "real_questions/test_dialogues2.jsonl",
)
"""The held-out sets: their questions are never printed (a content writer who reads one in a
failure message has seen the test set); the training text to reword is enough."""


def is_held_out_file(name: str) -> bool:
    """Whether ``name`` (a path) is one of the :data:`HELD_OUT_SETS`."""
    return name.replace("\\", "/").endswith(HELD_OUT_SETS)


MASKED_QUESTION = "question du jeu de test tenu à l'écart, non affichée"


@dataclass(frozen=True)
class Overlap:
    """An evaluation question found in a training file."""

    eval_file: str
    eval_question: str
    training_file: str
    training_text: str
    score: float

    def describe(self) -> str:
        shown = MASKED_QUESTION if is_held_out_file(self.eval_file) else self.eval_question
        return (
            f"{self.eval_file} : « {shown} »\n"
            f"    ≈ {self.training_file} : « {self.training_text} » "
            f"(similarité {self.score:.1f})"
        )


def normalise(text: str) -> str:
    """Lower-case, accents stripped, punctuation as spaces, whitespace collapsed."""
    return _NON_WORD.sub(" ", fold(text)).strip()


def strip_annotations(example: str) -> str:
    """``[Paris](ville) demain`` → ``Paris demain``."""
    return _ANNOTATION.sub(r"\1", example)


def _label(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_DIR))
    except ValueError:
        try:
            return str(Path("..") / path.resolve().relative_to(REPO_DIR.parent))
        except ValueError:
            return str(path)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise LeakageError(f"{path} : YAML invalide : {exc}") from exc


# --- evaluation side ---------------------------------------------------------------------


def jsonl_questions(path: Path) -> list[Text]:
    """The ``question`` of each item of a JSONL set, and the user turns of its ``turns``."""
    label = _label(path)
    out: list[str] = []
    try:
        items = read_jsonl(path)
    except ValueError as exc:
        raise LeakageError(str(exc)) from exc
    for _number, item in items:
        turns = item.get("turns") or []
        out.extend(str(t.get("text", "")) if isinstance(t, dict) else str(t) for t in turns)
        if item.get("question"):
            out.append(str(item["question"]))
    return [Text(label, q) for q in dict.fromkeys(q.strip() for q in out) if q]


def nlu_examples(path: Path) -> list[Text]:
    """Every intent example of a Rasa NLU YAML file, entity annotations stripped (lookup
    tables, synonyms and regexes are entity values, not user messages)."""
    data = _read_yaml(path) or {}
    label = _label(path)
    out: list[str] = []
    blocks = (data.get("nlu") or []) if isinstance(data, dict) else []
    for block in blocks:
        if not isinstance(block, dict) or "intent" not in block:
            continue
        for line in str(block.get("examples") or "").splitlines():
            stripped = line.strip()
            if stripped.startswith("- "):
                out.append(strip_annotations(stripped[2:]).strip())
    return [Text(label, e) for e in dict.fromkeys(out) if e]


def eval_texts(
    shared_eval_dir: Path = SHARED_EVAL_DIR,
    kb_eval_dir: Path = KB_EVAL_DIR,
    real_questions_dir: Path = REAL_QUESTIONS_DIR,
    held_out_nlu: Path | None = HELD_OUT_NLU,
) -> list[Text]:
    """All evaluation questions.

    Raises:
        LeakageError: the shared evaluation folder is missing (the check would otherwise
            pass without looking at the main set).
    """
    if not shared_eval_dir.is_dir():
        raise LeakageError(
            f"Dossier des jeux d'évaluation partagés introuvable : {shared_eval_dir} "
            "(attendu en ../shared/eval depuis la racine du dépôt)"
        )
    out: list[Text] = []
    for folder in (shared_eval_dir, kb_eval_dir, real_questions_dir):
        for path in sorted(folder.glob("*.jsonl")):
            out.extend(jsonl_questions(path))
    if held_out_nlu is not None:
        out.extend(nlu_examples(held_out_nlu))
    return out


# --- training side -----------------------------------------------------------------------


def paraphrase_texts(directory: Path = PARAPHRASES_DIR) -> list[Text]:
    out: list[Text] = []
    for path in sorted(directory.glob("*.yml")):
        data = _read_yaml(path) or {}
        if not isinstance(data, dict):
            raise LeakageError(f"{path} : table « entrée → formulations » attendue")
        out.extend(
            Text(_label(path), str(w).strip())
            for wordings in data.values()
            for w in wordings or []
            if str(w).strip()
        )
    return out


def faq_texts(directory: Path = FAQ_DIR) -> list[Text]:
    out: list[Text] = []
    for path in sorted(directory.glob("*.yml")):
        items = _read_yaml(path) or []
        if not isinstance(items, list):
            raise LeakageError(f"{path} : liste d'entrées FAQ attendue")
        for item in items:
            wordings = [item.get("question"), *(item.get("variants") or [])]
            out.extend(Text(_label(path), str(w).strip()) for w in wordings if w)
    return out


def nlu_training_texts(directory: Path = NLU_DATA_DIR) -> list[Text]:
    out: list[Text] = []
    for path in sorted(directory.rglob("*.yml")):
        out.extend(nlu_examples(path))
    return out


def training_texts(
    paraphrases_dir: Path = PARAPHRASES_DIR,
    faq_dir: Path = FAQ_DIR,
    nlu_dir: Path = NLU_DATA_DIR,
) -> list[Text]:
    """Every text the assistant is trained or indexed on from user wordings."""
    return [*paraphrase_texts(paraphrases_dir), *faq_texts(faq_dir), *nlu_training_texts(nlu_dir)]


# --- comparison --------------------------------------------------------------------------


def find_overlaps(
    evaluation: Sequence[Text],
    training: Sequence[Text],
    threshold: float = SIMILARITY_THRESHOLD,
) -> list[Overlap]:
    """Each (evaluation question, training file, training text) pair whose normalised texts
    score ``threshold`` or more with ``fuzz.ratio``, best scores first."""
    from rapidfuzz import fuzz, process

    by_query = _group_by_normalised(evaluation)
    by_choice = _group_by_normalised(training)
    if not by_query or not by_choice:
        return []
    queries, choices = list(by_query), list(by_choice)
    scores = process.cdist(
        queries, choices, scorer=fuzz.ratio, score_cutoff=threshold, dtype="float32", workers=-1
    )
    found: dict[tuple[str, str, str, str], Overlap] = {}
    for i, j in zip(*scores.nonzero(), strict=True):
        score = round(float(scores[i, j]), 1)
        for ev in by_query[queries[i]]:
            for tr in by_choice[choices[j]]:
                key = (ev.file, ev.text, tr.file, tr.text)
                found.setdefault(key, Overlap(*key, score))
    return sorted(
        found.values(), key=lambda o: (-o.score, o.eval_file, o.eval_question, o.training_file)
    )


def _group_by_normalised(texts: Iterable[Text]) -> dict[str, list[Text]]:
    """Texts keyed by their non-empty normalised form (each distinct form compared once)."""
    groups: dict[str, list[Text]] = {}
    for text in texts:
        key = normalise(text.text)
        if key:
            groups.setdefault(key, []).append(text)
    return groups


def repository_overlaps(threshold: float = SIMILARITY_THRESHOLD) -> list[Overlap]:
    """:func:`find_overlaps` on the repository's evaluation sets and training data."""
    return find_overlaps(eval_texts(), training_texts(), threshold)


def format_overlaps(overlaps: Iterable[Overlap]) -> str:
    return "\n".join(o.describe() for o in overlaps)
