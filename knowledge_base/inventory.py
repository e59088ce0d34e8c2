"""The coverage inventory: what public sources document, and which entries answer it.

``inventory/<topic>.yml`` lists the subjects that public documentation covers for a topic
(official FAQ, community site, help centres, buyers' guides…), each mapped to the FAQ
entries or guide sections that answer it, or marked ``gap`` with the reason no entry was
written (facts not confirmed, sources contradictory). ``inventory/*-rules.yml`` files are
structured summaries of dated rules, not inventories, and are skipped here.

Loading is strict, like the content: an entry id that no FAQ entry or section has fails
with the file named, so the inventory cannot silently drift from the knowledge base.
``python -m knowledge_base inventory`` prints the coverage and the open gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge_base.content import PACKAGE_DIR, ContentError

INVENTORY_DIR = PACKAGE_DIR / "inventory"
RULES_SUFFIX = "-rules"


@dataclass(frozen=True)
class Subject:
    topic: str
    subject: str
    sources: tuple[str, ...]
    entries: tuple[str, ...]
    gap: str

    @property
    def covered(self) -> bool:
        return bool(self.entries)


def load_inventory(known: set[str], directory: Path = INVENTORY_DIR) -> list[Subject]:
    """Every subject of ``directory``; ``known`` holds the FAQ ids and section keys.

    Raises:
        ContentError: malformed file, a subject with neither entries nor gap, or an entry
            that ``known`` lacks.
    """
    subjects: list[Subject] = []
    for path in sorted(directory.glob("*.yml")):
        if path.stem.endswith(RULES_SUFFIX):
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            topic = str(data["topic"])
            items = data["items"]
        except (yaml.YAMLError, KeyError, TypeError) as exc:
            raise ContentError(f"{path}: malformed inventory: {exc!r}") from exc
        for item in items:
            entries = tuple(str(e) for e in item.get("entries") or ())
            gap = str(item.get("gap") or "").strip()
            if not entries and not gap:
                raise ContentError(f"{path}: {item.get('subject')!r} has neither entries nor gap")
            unknown = [e for e in entries if e not in known]
            if unknown:
                raise ContentError(f"{path}: {item.get('subject')!r} cites unknown {unknown}")
            subjects.append(
                Subject(
                    topic=topic,
                    subject=str(item["subject"]),
                    sources=tuple(str(s) for s in item.get("sources") or ()),
                    entries=entries,
                    gap=gap,
                )
            )
    return subjects


def format_inventory(subjects: list[Subject]) -> str:
    """Coverage per topic, then every open gap with its reason."""
    lines = ["Couverture de l'inventaire :"]
    for topic in sorted({s.topic for s in subjects}):
        mine = [s for s in subjects if s.topic == topic]
        covered = sum(s.covered for s in mine)
        lines.append(f"  {topic:<28} {covered:>3}/{len(mine):<3} sujets couverts")
    gaps = [s for s in subjects if not s.covered]
    lines.append(f"Lacunes ouvertes ({len(gaps)}) :")
    lines.extend(f"- [{s.topic}] {s.subject} : {s.gap}" for s in gaps)
    return "\n".join(lines)
