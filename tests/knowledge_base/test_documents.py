import shutil
from pathlib import Path

import pytest

from knowledge_base.content import ContentError
from knowledge_base.documents import build_units, content_hash, data_date


def test_build_units_faq_sections_and_rollout(fixture_content: Path) -> None:
    units = {u.id: u for u in build_units(fixture_content)}
    faq = units["comptes-mot-de-passe-oublie"]
    assert faq.kind == "faq"
    assert faq.match_texts[0].startswith("J'ai oublié") and "mdp perdu" in faq.match_texts
    assert faq.url == "/docs/comptes#mot-de-passe-oublie"
    assert faq.guide_title == "Compte utilisateur" and faq.section_title == "Mot de passe oublié"
    section = units["comptes#acces"]
    assert section.kind == "section" and "gratuit" in section.answer and "**" not in section.answer
    assert len(section.answer) <= 400


def test_build_units_rollout_worded_from_data(fixture_content: Path) -> None:
    units = {u.id: u for u in build_units(fixture_content)}
    wave = units["rollout-vague-2019"]
    assert "1er janvier 2019" in wave.answer and "136\u202f000" in wave.answer
    category = units["rollout-categorie-pme"]
    assert "moins de 250 salariés" in category.answer
    pilot = units["rollout-tic-ticgn-departements"]
    assert "Sarthe (72)" in pilot.answer and "Somme (80)" in pilot.answer
    assert pilot.source == "remboursement-tic-ticgn#departements-experimentateurs"


def test_data_date_reads_yaml_dates_in_french() -> None:
    assert data_date("2020-01-01") == "1er janvier 2020"
    assert data_date("2017-10-06") == "6 octobre 2017"
    assert data_date("bientôt") == "bientôt"


def test_content_hash_changes_with_a_guide(tmp_path: Path, fixture_content: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(fixture_content, copy)
    before = content_hash(copy)
    guide = copy / "documents" / "comptes.md"
    guide.write_text(
        guide.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", encoding="utf-8"
    )
    assert content_hash(copy) != before


def test_build_units_rejects_unknown_faq_source(tmp_path: Path, fixture_content: Path) -> None:
    copy = tmp_path / "content"
    shutil.copytree(fixture_content, copy)
    faq = copy / "faq" / "comptes.yml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("comptes#acces", "comptes#inconnue"))
    with pytest.raises(ContentError, match="comptes.yml"):
        build_units(copy)


def _with_paraphrases(tmp_path: Path, fixture_content: Path, text: str) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(fixture_content, copy)
    (copy / "paraphrases").mkdir()
    (copy / "paraphrases" / "comptes.yml").write_text(text, encoding="utf-8")
    return copy


def test_build_units_adds_paraphrases_to_index_texts(tmp_path: Path, fixture_content: Path) -> None:
    before = content_hash(fixture_content)
    copy = _with_paraphrases(
        tmp_path,
        fixture_content,
        'comptes-mot-de-passe-oublie:\n  - "plus moyen de rentrer, code perdu"\n'
        '  - "plus moyen de rentrer, code perdu"\n'
        'comptes#acces:\n  - "le site est payant ?"\n',
    )
    units = {u.id: u for u in build_units(copy)}
    faq = units["comptes-mot-de-passe-oublie"]
    assert faq.paraphrases == ("plus moyen de rentrer, code perdu",)  # duplicates dropped
    assert "plus moyen de rentrer, code perdu" in faq.index_texts
    assert "plus moyen de rentrer, code perdu" not in faq.match_texts  # never shown
    assert units["comptes#acces"].paraphrases == ("le site est payant ?",)
    assert units["comptes-sans-siret"].paraphrases == ()
    assert content_hash(copy) != before
    assert type(faq).from_json(faq.to_json()) == faq


def test_build_units_rejects_paraphrases_of_unknown_entry(
    tmp_path: Path, fixture_content: Path
) -> None:
    copy = _with_paraphrases(tmp_path, fixture_content, 'comptes-inconnu:\n  - "une question"\n')
    with pytest.raises(ContentError, match="comptes.yml.*comptes-inconnu"):
        build_units(copy)


def test_build_units_rejects_empty_paraphrase(tmp_path: Path, fixture_content: Path) -> None:
    copy = _with_paraphrases(tmp_path, fixture_content, 'comptes-mot-de-passe-oublie:\n  - "  "\n')
    with pytest.raises(ContentError, match="non-empty"):
        build_units(copy)
