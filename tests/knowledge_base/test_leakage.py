"""No evaluation question may appear in the training text (knowledge_base/leakage.py).

The repository test compares every evaluation set (../shared/eval, knowledge_base/eval,
eval/real_questions, tests/rasa/test_nlu.yml) with the paraphrases, the FAQ questions and
variants, and every NLU example; the other tests pin the comparison itself.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from knowledge_base.leakage import (
    FAQ_DIR,
    MASKED_QUESTION,
    NLU_DATA_DIR,
    PARAPHRASES_DIR,
    SHARED_EVAL_DIR,
    SIMILARITY_THRESHOLD,
    LeakageError,
    Overlap,
    Text,
    eval_texts,
    find_overlaps,
    format_overlaps,
    jsonl_questions,
    nlu_examples,
    normalise,
    repository_overlaps,
    training_texts,
)


def _write_jsonl(path: Path, items: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n")
    return path


def test_leakage_repository_has_no_overlap() -> None:
    try:
        overlaps = repository_overlaps()
    except LeakageError as exc:
        pytest.fail(str(exc))
    # pytest.fail, not an assert: pytest would print the overlaps' repr, held-out questions
    # included.
    if overlaps:
        pytest.fail(
            f"{len(overlaps)} question(s) d'évaluation présente(s) dans les données "
            f"d'entraînement (similarité ≥ {SIMILARITY_THRESHOLD:.0f}) ; reformulez ou retirez "
            "le texte côté entraînement (jamais dans le jeu d'évaluation), puis régénérez "
            "nlu_data/nlu/questions_kb.yml (scripts/kb_nlu_examples.py) :\n"
            + format_overlaps(overlaps)
        )


def test_leakage_shared_eval_folder_is_present() -> None:
    assert SHARED_EVAL_DIR.is_dir(), f"jeux d'évaluation partagés absents : {SHARED_EVAL_DIR}"
    assert sorted(SHARED_EVAL_DIR.glob("*.jsonl")), f"aucun *.jsonl dans {SHARED_EVAL_DIR}"


def test_eval_texts_missing_shared_folder_fails(tmp_path: Path) -> None:
    with pytest.raises(LeakageError, match="introuvable"):
        eval_texts(shared_eval_dir=tmp_path / "absent")


def test_eval_texts_cover_every_set() -> None:
    files = {t.file for t in eval_texts()}
    assert any(f.endswith("shared/eval/dev.jsonl") for f in files)
    assert {
        "knowledge_base/eval/retrieval_set.jsonl",
        "knowledge_base/eval/out_of_scope.jsonl",
        "eval/real_questions/dev.jsonl",
        "eval/real_questions/test.jsonl",
        "eval/real_questions/test2.jsonl",
        "eval/real_questions/test3.jsonl",
        "eval/real_questions/test_dialogues.jsonl",
        "eval/real_questions/test_dialogues2.jsonl",
        "tests/rasa/test_nlu.yml",
    } <= files


def test_training_texts_cover_paraphrases_faq_and_nlu() -> None:
    files = {t.file for t in training_texts()}
    assert "knowledge_base/paraphrases/aide.yml" in files
    assert "knowledge_base/faq/aide.yml" in files
    assert "nlu_data/nlu/questions_kb.yml" in files
    assert "nlu_data/nlu/smalltalk.yml" in files


def test_leakage_detects_a_dev_question_in_a_scratch_paraphrase_copy(tmp_path: Path) -> None:
    # The repository check must fail when a content author pastes an evaluation question
    # (here with one letter changed) into a paraphrase file.
    dev = jsonl_questions(SHARED_EVAL_DIR / "dev.jsonl")
    question = next(t.text for t in dev if len(t.text) > 30)
    altered = question[:-3] + ("x" if question[-3] != "x" else "y") + question[-2:]
    scratch = tmp_path / "paraphrases"
    shutil.copytree(PARAPHRASES_DIR, scratch)
    target = scratch / "aide.yml"
    target.write_text(
        target.read_text(encoding="utf-8") + f"extra-entry:\n  - {json.dumps(altered)}\n",
        encoding="utf-8",
    )
    overlaps = find_overlaps(dev, training_texts(scratch, FAQ_DIR, NLU_DATA_DIR))
    assert [(o.eval_question, o.training_text) for o in overlaps] == [(question, altered)]
    assert overlaps[0].training_file.endswith("aide.yml")
    assert overlaps[0].score >= SIMILARITY_THRESHOLD


def test_normalise_folds_case_accents_and_punctuation() -> None:
    assert normalise("  Où en est   mon MÉMOIRE ?! ") == "ou en est mon memoire"
    assert normalise("l'onglet « Synthèse »") == "l onglet synthese"


def test_find_overlaps_flags_typo_and_number_changes() -> None:
    evaluation = [Text("dev.jsonl", "Le site est ouvert à quelle heure ?")]
    training = [
        Text("p.yml", "le site est ouvert a qu'elle heure"),
        Text("p.yml", "Quels sont les horaires du support ?"),
    ]
    overlaps = find_overlaps(evaluation, training)
    assert [(o.eval_file, o.training_file, o.training_text) for o in overlaps] == [
        ("dev.jsonl", "p.yml", "le site est ouvert a qu'elle heure")
    ]
    assert overlaps[0].score > 95


def test_find_overlaps_ignores_a_different_question_on_the_same_subject() -> None:
    evaluation = [Text("dev.jsonl", "Comment renouveler mon passeport ?")]
    training = [Text("n.yml", "combien coûte un passeport ?")]
    assert find_overlaps(evaluation, training) == []


def test_find_overlaps_ignores_texts_empty_after_normalisation() -> None:
    assert find_overlaps([Text("a", "?!")], [Text("b", "…")]) == []


def test_nlu_examples_strip_entity_annotations(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: ask_rollout_date\n  examples: |\n'
        "    - je suis une [PME](company_category) dans le [72](departement)\n"
        '    - statut de [MJ-2024-000123]{"entity": "reference"}\n'
        "- lookup: departement\n  examples: |\n    - Sarthe\n",
        encoding="utf-8",
    )
    assert [t.text for t in nlu_examples(path)] == [
        "je suis une PME dans le 72",
        "statut de MJ-2024-000123",
    ]


def test_jsonl_questions_include_dialogue_turns(tmp_path: Path) -> None:
    path = _write_jsonl(
        tmp_path / "set.jsonl",
        [
            {"id": "a", "question": "Première question ?"},
            {"id": "b", "turns": ["Tour un ?", "Tour deux ?"], "question": "Tour deux ?"},
        ],
    )
    assert [t.text for t in jsonl_questions(path)] == [
        "Première question ?",
        "Tour un ?",
        "Tour deux ?",
    ]


@pytest.mark.parametrize(
    "held_out_file",
    ["test.jsonl", "test2.jsonl", "test3.jsonl", "test_dialogues.jsonl", "test_dialogues2.jsonl"],
)
def test_overlap_describe_masks_held_out_questions(held_out_file: str) -> None:
    path = f"eval/real_questions/{held_out_file}"
    held_out = Overlap(path, "question secrète", "faq/x.yml", "t", 95)
    dev = Overlap("eval/real_questions/dev.jsonl", "question visible", "faq/x.yml", "t", 95)
    assert "question secrète" not in held_out.describe()
    assert MASKED_QUESTION in held_out.describe() and "« t »" in held_out.describe()
    assert "question visible" in dev.describe()
