"""Load the knowledge-base content: user guides (Markdown with front matter) and FAQ entries.

Formats are described in ``knowledge_base/README.md``. Loading is strict: a malformed
file raises :class:`ContentError` naming the file, so a bad edit never reaches the index.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent
DOCUMENTS_DIR = PACKAGE_DIR / "documents"
FAQ_DIR = PACKAGE_DIR / "faq"
PARAPHRASES_DIR = PACKAGE_DIR / "paraphrases"
ROLLOUT_FILE = PACKAGE_DIR / "rollout.yml"

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{#([a-z0-9-]+)\})?\s*$")
_ANCHOR = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED_FRONT_MATTER = ("title", "slug", "version", "updated", "sources")
# In an FAQ entry's ``sources``, ``guide:<slug>`` stands for that guide's own sources.
GUIDE_SOURCE_PREFIX = "guide:"
# libyaml's parser when PyYAML has it (same results, ten times faster on the 50 content files
# that every build and incremental update reads).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml_load(text: str) -> Any:
    return yaml.load(text, Loader=_YAML_LOADER)


class ContentError(ValueError):
    """A content file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Section:
    """One titled section of a guide: the unit of retrieval and of documentation links."""

    guide_slug: str
    guide_title: str
    anchor: str
    title: str
    level: int
    heading_path: tuple[str, ...]
    text: str

    @property
    def url(self) -> str:
        return f"/docs/{self.guide_slug}#{self.anchor}"

    @property
    def key(self) -> str:
        return f"{self.guide_slug}#{self.anchor}"


@dataclass(frozen=True)
class Guide:
    """A user guide with its metadata and sections, in document order."""

    slug: str
    title: str
    version: str
    updated: dt.date
    sources: tuple[str, ...]
    path: Path
    body: str
    sections: tuple[Section, ...] = field(default_factory=tuple)

    @property
    def url(self) -> str:
        return f"/docs/{self.slug}"

    def section(self, anchor: str) -> Section | None:
        return next((s for s in self.sections if s.anchor == anchor), None)


@dataclass(frozen=True)
class FaqEntry:
    """A frequently asked question with the ways users ask it and its short answer."""

    id: str
    question: str
    variants: tuple[str, ...]
    answer: str
    source: str
    path: Path
    sources: tuple[str, ...] = ()
    checked: dt.date | None = None

    @property
    def source_slug(self) -> str:
        return self.source.split("#", 1)[0]

    @property
    def source_anchor(self) -> str:
        return self.source.split("#", 1)[1] if "#" in self.source else ""


def parse_guide(path: Path) -> Guide:
    """Parse one guide file into a :class:`Guide`.

    Raises:
        ContentError: missing front matter or field, slug not matching the file name,
            missing or duplicate anchors.
    """
    raw = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(raw)
    if not match:
        raise ContentError(f"{path}: missing front matter (--- … ---)")
    try:
        meta = _yaml_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: invalid front matter: {exc}") from exc
    missing = [key for key in REQUIRED_FRONT_MATTER if key not in meta]
    if missing:
        raise ContentError(f"{path}: front matter lacks {', '.join(missing)}")
    slug = str(meta["slug"])
    if slug != path.stem:
        raise ContentError(f"{path}: slug {slug!r} differs from the file name")
    updated = meta["updated"]
    if isinstance(updated, str):
        updated = dt.date.fromisoformat(updated)
    body = raw[match.end() :]
    title = str(meta["title"])
    sections = _split_sections(path, slug, title, body)
    return Guide(
        slug=slug,
        title=title,
        version=str(meta["version"]),
        updated=updated,
        sources=tuple(str(s) for s in meta["sources"] or ()),
        path=path,
        body=body,
        sections=tuple(sections),
    )


def _split_sections(path: Path, slug: str, guide_title: str, body: str) -> list[Section]:
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    current: dict[str, Any] | None = None
    lines: list[str] = []
    seen: set[str] = set()
    in_code = False

    def flush() -> None:
        if current is not None:
            sections.append(Section(text="\n".join(lines).strip(), **current))

    for line in body.splitlines():
        if line.strip().startswith("```"):
            in_code = not in_code
        heading = None if in_code else _HEADING.match(line)
        if heading is None:
            lines.append(line)
            continue
        level = len(heading.group(1))
        text, anchor = heading.group(2), heading.group(3)
        if level == 1:
            continue
        if not anchor:
            raise ContentError(f"{path}: heading {text!r} has no {{#anchor}}")
        if not _ANCHOR.match(anchor) or anchor in seen:
            raise ContentError(f"{path}: anchor {anchor!r} is invalid or duplicated")
        seen.add(anchor)
        flush()
        stack = [(lvl, title) for lvl, title in stack if lvl < level]
        stack.append((level, text))
        current = {
            "guide_slug": slug,
            "guide_title": guide_title,
            "anchor": anchor,
            "title": text,
            "level": level,
            "heading_path": (guide_title, *(title for _, title in stack)),
        }
        lines = []
    flush()
    if not sections:
        raise ContentError(f"{path}: no section (## Heading {{#anchor}})")
    return sections


def _sources(value: Any) -> tuple[str, ...]:
    """An entry's public sources: a non-empty list of non-empty strings."""
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise ValueError("`sources` must list at least one public source")
    return tuple(v.strip() for v in value)


def _date(value: Any) -> dt.date:
    """A YAML date or an ISO date string (the day the entry's facts were checked)."""
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _collapse_spaces(text: str) -> str:
    """Fold line breaks and runs of ordinary spaces, keeping non-breaking spaces (« … »)."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def load_guides(directory: Path = DOCUMENTS_DIR) -> list[Guide]:
    """All guides of ``directory``, sorted by slug."""
    return [parse_guide(p) for p in sorted(directory.glob("*.md"))]


def load_faq(directory: Path = FAQ_DIR, guides: list[Guide] | None = None) -> list[FaqEntry]:
    """All FAQ entries of ``directory``; with ``guides``, every source anchor is checked.

    Raises:
        ContentError: malformed entry, duplicate id, or a source that no guide section has.
    """
    entries: list[FaqEntry] = []
    seen: set[str] = set()
    for path in sorted(directory.glob("*.yml")):
        try:
            items = _yaml_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            raise ContentError(f"{path}: invalid YAML: {exc}") from exc
        if not isinstance(items, list):
            raise ContentError(f"{path}: expected a list of FAQ entries")
        for item in items:
            try:
                entry = FaqEntry(
                    id=str(item["id"]),
                    question=str(item["question"]).strip(),
                    variants=tuple(str(v).strip() for v in item.get("variants") or ()),
                    answer=_collapse_spaces(str(item["answer"])),
                    source=str(item["source"]),
                    path=path,
                    sources=_sources(item["sources"]),
                    checked=_date(item["checked"]),
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise ContentError(f"{path}: malformed FAQ entry {item!r}: {exc!r}") from exc
            if entry.id in seen:
                raise ContentError(f"{path}: duplicate FAQ id {entry.id!r}")
            seen.add(entry.id)
            entries.append(entry)
    if guides is not None:
        known = {s.key for g in guides for s in g.sections}
        by_slug = {g.slug: g for g in guides}
        for index, entry in enumerate(entries):
            if entry.source not in known:
                raise ContentError(f"{entry.path}: FAQ {entry.id!r} cites unknown {entry.source!r}")
            entries[index] = replace(entry, sources=_expand_sources(entry, by_slug))
    return entries


def _expand_sources(entry: FaqEntry, guides: dict[str, Guide]) -> tuple[str, ...]:
    """``guide:<slug>`` in an entry's sources stands for that guide's front-matter sources
    (entries written from a guide's facts, checked against the same pages)."""
    expanded: list[str] = []
    for source in entry.sources:
        if source.startswith(GUIDE_SOURCE_PREFIX):
            guide = guides.get(source.removeprefix(GUIDE_SOURCE_PREFIX))
            if guide is None:
                raise ContentError(f"{entry.path}: FAQ {entry.id!r} cites unknown {source!r}")
            expanded.extend(guide.sources)
        else:
            expanded.append(source)
    return tuple(dict.fromkeys(expanded))


def load_paraphrases(
    directory: Path = PARAPHRASES_DIR, known: set[str] | None = None
) -> dict[str, tuple[str, ...]]:
    """Extra user wordings per entry (FAQ id or ``<slug>#<anchor>`` section key), from every
    ``paraphrases/*.yml`` mapping; a missing folder means none.

    They are indexed and used for fine-tuning like FAQ variants but never shown (the
    README's « Paraphrases » section says where they come from).

    Raises:
        ContentError: malformed file, an empty or non-text wording, or (with ``known``) a
            key that names no FAQ entry or section.
    """
    found: dict[str, list[str]] = {}
    for path in sorted(directory.glob("*.yml")) if directory.is_dir() else []:
        try:
            data = _yaml_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ContentError(f"{path}: invalid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise ContentError(f"{path}: expected a mapping of entry id to wordings")
        for key, wordings in data.items():
            if known is not None and str(key) not in known:
                raise ContentError(f"{path}: paraphrases for unknown entry {key!r}")
            if not isinstance(wordings, list) or not all(
                isinstance(w, str) and w.strip() for w in wordings
            ):
                raise ContentError(f"{path}: {key!r} must list non-empty wordings")
            found.setdefault(str(key), []).extend(_collapse_spaces(w) for w in wordings)
    return {key: tuple(dict.fromkeys(wordings)) for key, wordings in found.items()}


def load_rollout(path: Path = ROLLOUT_FILE) -> dict[str, Any]:
    """The rollout rules data (calendar, size criteria, TIC/TICGN pilot départements)."""
    try:
        data = _yaml_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path}: cannot read rollout rules: {exc}") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected a mapping")
    return data
