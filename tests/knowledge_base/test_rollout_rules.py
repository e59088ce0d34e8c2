"""Tests of knowledge_base.rollout: size categories, words, figures and départements."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from knowledge_base.content import ContentError, load_guides
from knowledge_base.french import french_date
from knowledge_base.rollout import (
    DEPARTEMENTS,
    Departement,
    Quantity,
    analyse,
    classify,
    departement_by_code,
    extract_figures,
    find_categories,
    find_departement,
    find_early_groups,
    format_eur,
    get_rules,
    is_tic_question,
    load_rules,
    public_role,
    resolve_category,
)

RULES = get_rules()
M = 1_000_000


# ---------------------------------------------------------------- data


def test_load_rules_reads_the_four_categories_in_order() -> None:
    assert [c.id for c in RULES.categories] == ["micro", "pme", "eti", "grande_entreprise"]
    assert RULES.category("pme").obligation_date == dt.date(2019, 1, 1)
    assert RULES.category("eti").count == 45000
    assert RULES.all_companies_from == dt.date(2020, 1, 1)
    assert len(RULES.pilot.departements) == 19


def test_load_rules_doc_links_point_at_real_guide_sections() -> None:
    known = {s.key for g in load_guides() for s in g.sections}
    docs = [c.doc for c in RULES.categories] + [g.doc for g in RULES.early_groups]
    docs += [RULES.public.doc, RULES.public.acceptance_doc, RULES.pilot.doc]
    docs += [RULES.measurement_doc] + [w.doc for w in RULES.waves]
    assert [d for d in docs if d not in known] == []


def test_load_rules_malformed_file_raises_content_error(tmp_path: Path) -> None:
    bad = tmp_path / "rollout.yml"
    bad.write_text("version: 1\ncategories: []\n", encoding="utf-8")
    with pytest.raises(ContentError):
        load_rules(bad)


# ---------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("employees", "turnover", "balance", "expected"),
    [
        (9, 1 * M, None, "micro"),
        (10, 1 * M, None, "pme"),
        (9.5, 1 * M, None, "micro"),  # fractional UTA
        (249, 10 * M, None, "pme"),
        (250, 10 * M, None, "eti"),
        (4999, 100 * M, None, "eti"),
        (5000, 100 * M, None, "grande_entreprise"),
        (4, 2 * M, None, "micro"),  # turnover cap exactly reached
        (4, 2 * M + 1, None, "pme"),
        (4, 3 * M, 2 * M, "micro"),  # balance-sheet cap exactly reached suffices
        (4, 3 * M, 2.5 * M, "pme"),
        (100, 50 * M, None, "pme"),
        (100, 50 * M + 1, 43 * M, "pme"),
        (100, 50 * M + 1, 43 * M + 1, "eti"),
        (180, 70 * M, 40 * M, "pme"),
        (800, 200 * M, None, "eti"),
        (1000, 1500 * M, None, "eti"),
        (1000, 1500 * M + 1, 2000 * M, "eti"),
        (1000, 1500 * M + 1, 2000 * M + 1, "grande_entreprise"),
        (6000, None, None, "grande_entreprise"),
        (None, 3000 * M, 3000 * M, "grande_entreprise"),
    ],
)
def test_classify_boundaries(
    employees: float | None, turnover: float | None, balance: float | None, expected: str
) -> None:
    result = classify(employees, turnover, balance, RULES)
    assert result.category is not None and result.category.id == expected
    assert result.missing == ()


@pytest.mark.parametrize(
    ("employees", "turnover", "missing"),
    [
        (None, None, ("employees", "turnover")),
        (4, None, ("turnover",)),
        (30, None, ("turnover",)),
        (None, 300_000, ("employees",)),
        (None, 60 * M, ("employees",)),
    ],
)
def test_classify_missing_figures_are_named(
    employees: float | None, turnover: float | None, missing: tuple[str, ...]
) -> None:
    result = classify(employees, turnover, None, RULES)
    assert result.category is None and not result.decided
    assert result.missing == missing


def test_classify_reason_states_the_criteria_met() -> None:
    result = classify(12, 1.5 * M, None, RULES)
    assert result.category is not None and result.category.id == "pme"
    assert "12 personnes" in result.reason
    assert "1,5 million d'euros" in result.reason
    assert "n'est pas une micro-entreprise (il faut occuper moins de 10 personnes)" in result.reason
    assert "moins de 250 personnes" in result.reason
    assert "décret n° 2008-1354" in result.reason


def test_classify_unknown_balance_sheet_gives_a_caveat() -> None:
    result = classify(180, 70 * M, None, RULES)
    assert result.category is not None and result.category.id == "eti"
    assert "43 millions d'euros" in result.caveat and "PME" in result.caveat


def test_classify_bounds_from_words() -> None:
    assert classify(Quantity(10, "less"), 1 * M, None, RULES).category.id == "micro"  # type: ignore[union-attr]
    assert classify(Quantity(250, "more"), 10 * M, None, RULES).category.id == "eti"  # type: ignore[union-attr]


# ---------------------------------------------------------------- figures


@pytest.mark.parametrize(
    ("text", "employees", "turnover", "balance"),
    [
        ("80 salariés et 12 M€ de CA", 80, 12 * M, None),
        ("On est 4 personnes avec 300 000 € de CA", 4, 300_000, None),
        ("5 millions d'euros de chiffre d'affaires et 30 salariés", 30, 5 * M, None),
        ("1,5 Md€ de chiffre d'affaires", None, 1500 * M, None),
        ("on fait 2M", None, 2 * M, None),
        ("CA de 40 millions, bilan 43 M€", None, 40 * M, 43 * M),
        ("un bilan de 30 M€ et 60 M€ de chiffre d'affaires", None, 60 * M, 30 * M),
        ("3 000 employés, chiffre d'affaires : 2000000", 3000, 2 * M, None),
        ("150 000 euros de CA et 2 collaborateurs", 2, 150_000, None),
        ("une entreprise de 600 personnes", 600, None, None),
        ("je suis seul dans ma société", 1, None, None),
        ("effectif de 45", 45, None, None),
        ("créée en 2018, siège dans le 29", None, None, None),
    ],
)
def test_extract_figures_french_forms(
    text: str, employees: float | None, turnover: float | None, balance: float | None
) -> None:
    figures = extract_figures(text)
    assert (figures.employees.value if figures.employees else None) == employees
    assert (figures.turnover_eur.value if figures.turnover_eur else None) == turnover
    assert (figures.balance_sheet_eur.value if figures.balance_sheet_eur else None) == balance


def test_extract_figures_reads_bounds() -> None:
    figures = extract_figures("moins de 10 salariés et plus de 2 millions de CA")
    assert figures.employees == Quantity(10, "less")
    assert figures.turnover_eur == Quantity(2 * M, "more")


# ---------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Je dirige une PME", "pme"),
        ("nous sommes une eti", "eti"),
        ("Entreprise de taille intermédiaire : quelle date ?", "eti"),
        ("entreprise de taille intermediaire", "eti"),
        ("on est une grande entreprise", "grande_entreprise"),
        ("filiale d'un groupe du CAC 40", "grande_entreprise"),
        ("MICRO-ENTREPRISE obligation", "micro"),
        ("micro entreprise quelle date", "micro"),
        ("je suis auto-entrepreneur", "micro"),
        ("je suis autoentrepreneur", "micro"),
        ("on est une TPE", "micro"),
        ("très petite entreprise", "micro"),
        ("tres petite entreprise", "micro"),
    ],
)
def test_find_categories_aliases(text: str, expected: str) -> None:
    assert [c.id for c in find_categories(text, RULES)] == [expected]


def test_find_categories_petite_entreprise_is_left_unclassified() -> None:
    assert find_categories("je suis une petite entreprise", RULES) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("micro_entreprise", "micro"),
        ("pme", "pme"),
        ("ETI", "eti"),
        ("grand groupe", "grande_entreprise"),
    ],
)
def test_resolve_category_entity_values(value: str, expected: str) -> None:
    category = resolve_category(value, RULES)
    assert category is not None and category.id == expected


def test_find_early_groups_filiale() -> None:
    groups = find_early_groups("Filiale d'un grand groupe du CAC 40", RULES)
    assert [g.id for g in groups] == ["filiale_grande_entreprise"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Je suis une commune, dois-je accepter les factures électroniques ?", "self"),
        ("En tant que mairie, depuis quand recevoir des factures dématérialisées ?", "self"),
        ("notre etablissement public doit-il accepter les factures", "self"),
        ("Une collectivité doit-elle accepter les factures électroniques ?", "self"),
        ("Je facture une commune, à partir de quand en électronique ?", "customer"),
        ("mon client est un hôpital, dois-je passer à la facture électronique ?", "customer"),
        ("je suis une PME et je travaille avec des collectivités", "customer"),
        ("Je dirige une PME", None),
    ],
)
def test_public_role_speaker_or_customer(text: str, expected: str | None) -> None:
    assert public_role(text, RULES) == expected


# ---------------------------------------------------------------- départements


# The DémaTIC pilot as the announcement publishes it (19 départements, 81 listed twice),
# written out here rather than read from rollout.yml.
PUBLISHED_PILOT: list[tuple[str, str]] = [
    ("02", "Aisne"),
    ("14", "Calvados"),
    ("27", "Eure"),
    ("59", "Nord"),
    ("62", "Pas-de-Calais"),
    ("66", "Pyrénées-Orientales"),
    ("72", "Sarthe"),
    ("75", "Paris"),
    ("76", "Seine-Maritime"),
    ("77", "Seine-et-Marne"),
    ("78", "Yvelines"),
    ("80", "Somme"),
    ("81", "Tarn"),
    ("90", "Territoire de Belfort"),
    ("91", "Essonne"),
    ("92", "Hauts-de-Seine"),
    ("93", "Seine-Saint-Denis"),
    ("94", "Val-de-Marne"),
    ("95", "Val-d'Oise"),
]


def test_load_rules_pilot_is_the_published_list() -> None:
    assert [(d.code, d.name) for d in RULES.pilot.departements] == PUBLISHED_PILOT


@pytest.mark.parametrize(("code", "name"), PUBLISHED_PILOT, ids=[c for c, _ in PUBLISHED_PILOT])
def test_find_departement_every_pilot_by_code_and_name(code: str, name: str) -> None:
    expected = Departement(code, name)
    assert find_departement(code) == expected
    assert find_departement(f"siège dans le {code}") == expected
    assert find_departement(f"mon siège est dans le département {name}") == expected
    assert RULES.is_pilot(expected)


# (code, official name, DémaTIC pilot?): the first and last of each numbering range,
# Corsica, the overseas départements, names with an article, apostrophes or accents.
DEPARTEMENT_SAMPLE: list[tuple[str, str, bool]] = [
    ("01", "Ain", False),
    ("02", "Aisne", True),
    ("09", "Ariège", False),
    ("13", "Bouches-du-Rhône", False),
    ("19", "Corrèze", False),
    ("2A", "Corse-du-Sud", False),
    ("2B", "Haute-Corse", False),
    ("21", "Côte-d'Or", False),
    ("22", "Côtes-d'Armor", False),
    ("29", "Finistère", False),
    ("59", "Nord", True),
    ("64", "Pyrénées-Atlantiques", False),
    ("66", "Pyrénées-Orientales", True),
    ("69", "Rhône", False),
    ("75", "Paris", True),
    ("80", "Somme", True),
    ("81", "Tarn", True),
    ("82", "Tarn-et-Garonne", False),
    ("89", "Yonne", False),
    ("90", "Territoire de Belfort", True),
    ("95", "Val-d'Oise", True),
    ("971", "Guadeloupe", False),
    ("972", "Martinique", False),
    ("973", "Guyane", False),
    ("974", "La Réunion", False),
    ("976", "Mayotte", False),
]


@pytest.mark.parametrize(
    ("code", "name", "pilot"), DEPARTEMENT_SAMPLE, ids=[c for c, _, _ in DEPARTEMENT_SAMPLE]
)
def test_find_departement_sample_by_name_and_code(code: str, name: str, pilot: bool) -> None:
    expected = Departement(code, name)
    assert find_departement(name) == expected
    assert departement_by_code(code) == expected
    assert find_departement(f"notre siège est dans le {code}") == expected
    assert RULES.is_pilot(expected) is pilot


def test_departements_table_has_every_code_once() -> None:
    metropole = [f"{n:02d}" for n in range(1, 20)] + ["2A", "2B"]
    metropole += [str(n) for n in range(21, 96)]
    overseas = ["971", "972", "973", "974", "976"]
    codes = [d.code for d in DEPARTEMENTS]
    assert len(codes) == 101
    assert sorted(codes) == sorted(metropole + overseas)


def test_departements_table_names_every_pilot_like_rollout_yml() -> None:
    table = {d.code: d.name for d in DEPARTEMENTS}
    assert [(c, table[c]) for c, _ in PUBLISHED_PILOT] == PUBLISHED_PILOT


@pytest.mark.parametrize("code", ["00", "20", "96", "975", "977", "100", "2C", ""])
def test_departement_by_code_unknown_codes(code: str) -> None:
    assert departement_by_code(code) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("le Finistère", "29"),
        ("finistere", "29"),
        ("Mon exploitation a son siège dans le Finistère", "29"),
        ("Seine-Saint-Denis", "93"),
        ("seine saint denis", "93"),
        ("CUMA dont le siège est dans la Somme", "80"),
        ("la somme", "80"),
        ("val d'oise", "95"),
        ("Pyrenees orientales", "66"),
        ("cotes d armor", "22"),
        ("Quimper (29)", "29"),
        ("2A", "2A"),
        ("2b", "2B"),
        ("971", "971"),
        ("la Réunion", "974"),
        ("9", "09"),
        ("code postal 80100", "80"),
    ],
)
def test_find_departement_names_and_numbers(text: str, code: str) -> None:
    found = find_departement(text)
    assert found is not None and found.code == code


@pytest.mark.parametrize(
    "text",
    [
        "je suis dans le 100",
        "Bretagne",
        "la somme de 300 € de CA",
        "un lot de factures",
        "30 salariés",
        "",
    ],
)
def test_find_departement_unknown_inputs(text: str) -> None:
    assert find_departement(text) is None


def test_is_pilot_finistere_is_not_a_pilot() -> None:
    finistere = departement_by_code("29")
    assert finistere is not None and not RULES.is_pilot(finistere)


def test_is_tic_question_tic_versus_invoicing() -> None:
    assert is_tic_question("remboursement TICGN pour ma CUMA")
    assert is_tic_question("siège dans le Calvados, c'est ici ?")
    assert not is_tic_question("Je dirige une PME, quand facturer en électronique ?")


def test_analyse_collects_everything() -> None:
    profile = analyse(
        "Nous sommes une PME de 80 salariés, siège dans le Nord, quelle date ?", RULES
    )
    assert [c.id for c in profile.categories] == ["pme"]
    assert profile.figures.employees == Quantity(80)
    assert profile.departement is not None and profile.departement.code == "59"


# ---------------------------------------------------------------- French formatting


def test_french_date_first_of_month() -> None:
    assert french_date(dt.date(2019, 1, 1)) == "1er janvier 2019"
    assert french_date(dt.date(2016, 11, 2)) == "2 novembre 2016"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (300_000, "300\u00a0000\u00a0€"),
        (1_500_000, "1,5 million d'euros"),
        (43_000_000, "43 millions d'euros"),
        (1_500_000_000, "1,5 milliard d'euros"),
        (2_000_000_000, "2 milliards d'euros"),
    ],
)
def test_format_eur_french(amount: float, text: str) -> None:
    assert format_eur(amount) == text
