"""Build the retrievable units from the content: FAQ entries, guide sections, rollout rules.

A :class:`Unit` is what a search returns. It has one or more *match texts* (what queries
are compared with: an FAQ's question and variants, a section's heading path and sentence
windows, a rollout rule worded from the data), the *answer* shown to the user, and the guide
section it cites (``source``, ``<slug>#<anchor>``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from knowledge_base import chunking
from knowledge_base.content import (
    Guide,
    load_faq,
    load_guides,
    load_paraphrases,
    load_rollout,
)
from knowledge_base.french import french_date
from knowledge_base.text import simple_tokens

ROLLOUT_GUIDE = "facturation-electronique"
TIC_GUIDE = "remboursement-tic-ticgn"


@dataclass(frozen=True)
class Unit:
    """One retrievable entry.

    Attributes:
        id: FAQ id, ``<slug>#<anchor>`` for a section, ``rollout-…`` for a rollout rule.
        kind: ``faq``, ``section`` or ``rollout``.
        title: the question (FAQ), section title or rule title: used for clarify buttons.
        answer: the short text shown to the user.
        match_texts: texts a query is compared with (the unit scores its best one).
        paraphrases: extra user wordings from ``paraphrases/`` (matched like match texts,
            never shown).
        source: the guide section cited, ``<slug>#<anchor>`` ('' when none exists).
        guide_title / section_title: for « Source : … » and the link title.
    """

    id: str
    kind: str
    title: str
    answer: str
    match_texts: tuple[str, ...]
    source: str = ""
    guide_title: str = ""
    section_title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    paraphrases: tuple[str, ...] = ()

    @property
    def index_texts(self) -> tuple[str, ...]:
        """The rows indexed for this unit: its match texts and paraphrases, plus an FAQ
        entry's answer (a question worded like the answer, not like the question, still
        finds it)."""
        texts = (*self.match_texts, *self.paraphrases)
        if self.kind == "faq" and self.answer and self.answer not in texts:
            return (*texts, self.answer)
        return texts

    @property
    def url(self) -> str:
        if not self.source:
            return ""
        slug, _, anchor = self.source.partition("#")
        return f"/docs/{slug}#{anchor}" if anchor else f"/docs/{slug}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["match_texts"] = list(self.match_texts)
        data["paraphrases"] = list(self.paraphrases)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Unit:
        return cls(
            **{
                **data,
                "match_texts": tuple(data["match_texts"]),
                "paraphrases": tuple(data.get("paraphrases") or ()),
            }
        )


def content_files(content_dir: Path) -> list[Path]:
    """Every content file that the index depends on, in a stable order."""
    files = sorted((content_dir / "documents").glob("*.md"))
    files += sorted((content_dir / "faq").glob("*.yml"))
    files += sorted((content_dir / "paraphrases").glob("*.yml"))
    rollout = content_dir / "rollout.yml"
    if rollout.exists():
        files.append(rollout)
    return files


def content_hash(content_dir: Path) -> str:
    """SHA-256 over the names and bytes of all content files: changes when any guide,
    FAQ file or the rollout rules change."""
    digest = hashlib.sha256()
    for path in content_files(content_dir):
        digest.update(path.relative_to(content_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def faq_units(content_dir: Path, guides: list[Guide]) -> list[Unit]:
    sections = {s.key: s for g in guides for s in g.sections}
    units = []
    for entry in load_faq(content_dir / "faq", guides=guides or None):
        section = sections.get(entry.source)
        units.append(
            Unit(
                id=entry.id,
                kind="faq",
                title=entry.question,
                answer=entry.answer,
                match_texts=(entry.question, *entry.variants),
                source=entry.source if section else "",
                guide_title=section.guide_title if section else "",
                section_title=section.title if section else "",
            )
        )
    return units


def section_units(guides: list[Guide]) -> list[Unit]:
    units = []
    for guide in guides:
        for section in guide.sections:
            body = chunking.plain_text(section.text)
            if not body:
                continue
            path = " — ".join(section.heading_path[1:])
            match = [f"{path}. {window}" for window in chunking.windows(body)]
            units.append(
                Unit(
                    id=section.key,
                    kind="section",
                    title=section.title,
                    answer=chunking.extract(body),
                    match_texts=(section.title, *match),
                    source=section.key,
                    guide_title=guide.title,
                    section_title=section.title,
                )
            )
    return units


def data_date(value: Any) -> str:
    """A date read from rollout.yml (``2018-01-01`` or a date) in French; other values as
    text."""
    if isinstance(value, str):
        text = value
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            return text
    return french_date(value) if isinstance(value, dt.date) else str(value)


def _number(value: Any) -> str:
    try:
        return f"{int(value):,}".replace(",", "\u202f")
    except (TypeError, ValueError):
        return str(value)


def _best_section(guide: Guide | None, text: str) -> tuple[str, str, str]:
    """The section of ``guide`` whose words overlap ``text`` most: (key, guide, title)."""
    if guide is None or not guide.sections:
        return "", "", ""
    words = set(simple_tokens(text))

    def overlap(section: Any) -> int:
        heading = set(simple_tokens(" ".join(section.heading_path[1:]))) & words
        return 3 * len(heading) + len(set(simple_tokens(section.text)) & words)

    best = max(guide.sections, key=overlap)
    return best.key, guide.title, best.title


def _category_label(category: dict[str, Any]) -> str:
    return str(category.get("label") or category.get("name") or category.get("id", ""))


def _criteria_sentence(criteria: dict[str, Any]) -> str:
    parts = []
    if "max_employees_exclusive" in criteria:
        parts.append(f"moins de {_number(criteria['max_employees_exclusive'])} salariés")
    money = []
    if "max_turnover_eur" in criteria:
        money.append(
            f"un chiffre d'affaires annuel d'au plus {_number(criteria['max_turnover_eur'])} €"
        )
    if "max_balance_sheet_eur" in criteria:
        money.append(f"un total de bilan d'au plus {_number(criteria['max_balance_sheet_eur'])} €")
    if money:
        parts.append(" ou ".join(money))
    return " et ".join(parts)


def _rollout_unit(
    uid: str,
    title: str,
    answer: str,
    match: Iterable[str],
    guide: Guide | None,  # pragma: no mutate (annotation)
) -> Unit:
    """A rollout unit citing the section of ``guide`` closest to its title and answer."""
    source, guide_title, section_title = _best_section(guide, f"{title} {answer}")
    return Unit(
        id=uid,
        kind="rollout",
        title=title,
        answer=answer,
        match_texts=(title, answer, *match),
        source=source,
        guide_title=guide_title,
        section_title=section_title,
    )


def _wave_units(
    data: dict[str, Any],
    categories: dict[str, dict[str, Any]],
    invoicing: Guide | None,  # pragma: no mutate (annotation)
) -> list[Unit]:
    """One unit per wave of the obligation (skipped without a date)."""
    units = []
    for wave in data.get("waves") or []:
        if not isinstance(wave, dict) or "date" not in wave:
            continue
        when = data_date(wave["date"])
        labels = [
            _category_label(categories[c]) if c in categories else str(c).replace("_", " ")
            for c in wave.get("categories") or []
        ]
        who = ", ".join(labels) or str(wave.get("label", ""))
        count = f" (environ {_number(wave['count'])} entreprises)" if wave.get("count") else ""
        detail = (
            f" {wave['description'].strip()}" if isinstance(wave.get("description"), str) else ""
        )
        year = str(wave["date"])[:4]
        units.append(
            _rollout_unit(
                f"rollout-vague-{year}",
                f"Obligation de facturation électronique au {when}",
                f"Depuis le {when}, la facturation électronique aux acheteurs publics est "
                f"obligatoire pour : {who}{count}.{detail}",
                [f"facture électronique obligatoire en {year} pour {who}"],
                invoicing,
            )
        )
    return units


def _category_units(
    categories: dict[str, dict[str, Any]],
    invoicing: Guide | None,  # pragma: no mutate (annotation)
) -> list[Unit]:
    """One unit per company category with an obligation date."""
    units = []
    for cid, category in categories.items():
        label = _category_label(category)
        aliases = [str(a) for a in category.get("aliases") or []]
        date = category.get("obligation_date")
        if not date:
            continue
        criteria = category.get("criteria") if isinstance(category.get("criteria"), dict) else {}
        rule = _criteria_sentence(criteria or {})
        rule_text = f" Relève de cette catégorie une entreprise qui compte {rule}." if rule else ""
        units.append(
            _rollout_unit(
                f"rollout-categorie-{cid.replace('_', '-')}",
                f"Date d'obligation pour une {label}",
                f"Pour une {label}, la facturation électronique aux acheteurs publics est "
                f"obligatoire depuis le {data_date(date)}.{rule_text}",
                [f"{label} {' '.join(aliases)} date obligation facture électronique"],
                invoicing,
            )
        )
    return units


def _public_entities_units(
    data: dict[str, Any],
    invoicing: Guide | None,  # pragma: no mutate (annotation)
) -> list[Unit]:
    """The public buyers' obligation to accept e-invoices (none without its date)."""
    public = data.get("public_entities")
    if not (isinstance(public, dict) and public.get("acceptance_date")):
        return []
    aliases = ", ".join(str(a) for a in public.get("aliases") or [])
    return [
        _rollout_unit(
            "rollout-acheteurs-publics",
            "Obligation des acheteurs publics d'accepter les factures électroniques",
            f"Depuis le {data_date(public['acceptance_date'])}, tous les acheteurs publics "
            f"({aliases or 'État, collectivités, établissements publics'}) doivent accepter les "
            "factures électroniques de leurs fournisseurs.",
            [f"{aliases} accepter factures électroniques"],
            invoicing,
        )
    ]


def _pilot_units(
    data: dict[str, Any],
    tic_guide: Guide | None,  # pragma: no mutate (annotation)
) -> list[Unit]:
    """The départements of the TIC/TICGN online pilot (none without any)."""
    pilot = data.get("tic_ticgn_pilot")
    if not (isinstance(pilot, dict) and pilot.get("departements")):
        return []
    names = []
    for dep in pilot["departements"]:
        if isinstance(dep, dict):
            names.append(f"{dep.get('name', '')} ({dep.get('code', '')})".strip())
        else:
            names.append(str(dep))
    portal = pilot.get("portal", "DémaTIC")
    listing = ", ".join(dict.fromkeys(names))
    return [
        _rollout_unit(
            "rollout-tic-ticgn-departements",
            "Départements concernés par la demande de remboursement TIC/TICGN en ligne",
            "La demande de remboursement de la TIC/TICGN sur le portail est réservée aux "
            f"demandeurs dont le siège social est situé dans un département expérimentateur "
            f"du dispositif {portal} : {listing}.",
            [f"remboursement TIC TICGN siège département {listing}"],
            tic_guide,
        )
    ]


def rollout_units(content_dir: Path, guides: list[Guide]) -> list[Unit]:
    """Units worded from ``rollout.yml``: one per wave, one per category, one for the
    TIC/TICGN pilot départements. Unknown keys are ignored; a missing file gives none."""
    path = content_dir / "rollout.yml"
    if not path.exists():
        return []
    data = load_rollout(path)
    by_slug = {g.slug: g for g in guides}
    invoicing = by_slug.get(ROLLOUT_GUIDE)
    categories = {str(c.get("id")): c for c in data.get("categories") or [] if isinstance(c, dict)}
    return (
        _wave_units(data, categories, invoicing)
        + _category_units(categories, invoicing)
        + _public_entities_units(data, invoicing)
        + _pilot_units(data, by_slug.get(TIC_GUIDE))
    )


def build_units(content_dir: Path) -> list[Unit]:
    """All units of the content in ``content_dir``: FAQ entries, then sections, then rollout.

    Raises:
        ContentError: a malformed content file (the message names it).
    """
    guides = load_guides(content_dir / "documents")
    units = (
        faq_units(content_dir, guides) + section_units(guides) + rollout_units(content_dir, guides)
    )
    seen: set[str] = set()
    for unit in units:
        if unit.id in seen:
            raise ValueError(f"duplicate unit id {unit.id!r}")
        seen.add(unit.id)
    paraphrases = load_paraphrases(content_dir / "paraphrases", known=seen)
    return [
        dataclasses.replace(unit, paraphrases=paraphrases[unit.id])
        if unit.id in paraphrases
        else unit
        for unit in units
    ]
