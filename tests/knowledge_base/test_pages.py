"""Tests of knowledge_base.pages: Markdown rendering, anchors, TOC, summaries, guide library."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from knowledge_base.content import parse_guide
from knowledge_base.french import french_date
from knowledge_base.pages import (
    GuideLibrary,
    TocEntry,
    first_sentence,
    guide_summary,
    plain_text,
    render_guide,
    render_markdown,
    slugify,
)

FIXTURES = Path(__file__).parent / "fixtures" / "pages"
FIXTURE_SLUGS = ["comptes", "memoires-justice", "remboursement-tic"]

BODY = """# Titre du guide

## Première section {#premiere-section}

Un paragraphe.

### Détail *important* {#detail}

Encore du texte.

## Seconde section {#seconde}

Fin.
"""


@pytest.fixture()
def guides_dir(tmp_path: Path) -> Path:
    target = tmp_path / "documents"
    shutil.copytree(FIXTURES, target)
    return target


def _bump_mtime(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def test_render_markdown_sets_heading_ids() -> None:
    html = render_markdown(BODY).html
    assert '<h2 id="premiere-section">Première section</h2>' in html
    assert '<h3 id="detail">Détail <em>important</em></h3>' in html
    assert '<h2 id="seconde">Seconde section</h2>' in html


def test_render_markdown_removes_anchor_text() -> None:
    html = render_markdown(BODY).html
    assert "{#" not in html
    assert "premiere-section}" not in html


def test_render_markdown_drops_title_heading() -> None:
    html = render_markdown(BODY).html
    assert "<h1" not in html
    assert "Titre du guide" not in html


def test_render_markdown_demotes_extra_level_one_headings() -> None:
    html = render_markdown("# Titre\n\n# Autre partie {#autre}\n\nTexte.\n").html
    assert "<h1" not in html
    assert '<h2 id="autre">Autre partie</h2>' in html


def test_render_markdown_escapes_script_tags() -> None:
    html = render_markdown('## Section {#s}\n\n<script>alert("x")</script>\n').html
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_render_markdown_escapes_inline_html() -> None:
    html = render_markdown('## Section {#s}\n\nTexte <b onclick="x()">gras</b>.\n').html
    assert "<b" not in html
    assert "&lt;b onclick=" in html


def test_render_markdown_refuses_javascript_links() -> None:
    html = render_markdown("## Section {#s}\n\n[piège](javascript:alert(1))\n").html
    assert 'href="javascript' not in html


def test_render_markdown_escapes_html_in_heading() -> None:
    rendered = render_markdown("## Titre <img src=x onerror=y> {#titre}\n")
    assert "<img" not in rendered.html
    assert '<h2 id="titre">Titre &lt;img src=x onerror=y&gt;</h2>' in rendered.html
    assert rendered.toc[0].title == "Titre <img src=x onerror=y>"


def test_render_markdown_keeps_links_and_lists() -> None:
    html = render_markdown("## S {#s}\n\n- [Guide](/docs/comptes#compte-sans-siret)\n").html
    assert '<a href="/docs/comptes#compte-sans-siret">Guide</a>' in html
    assert "<ul>" in html


def test_render_markdown_builds_nested_toc() -> None:
    toc = render_markdown(BODY).toc
    assert toc == (
        TocEntry(
            anchor="premiere-section",
            title="Première section",
            level=2,
            children=(TocEntry(anchor="detail", title="Détail important", level=3),),
        ),
        TocEntry(anchor="seconde", title="Seconde section", level=2),
    )


def test_render_markdown_generates_unique_anchor_when_missing() -> None:
    rendered = render_markdown("## Créer un compte {#creer-un-compte}\n\n## Créer un compte\n")
    assert [e.anchor for e in rendered.toc] == ["creer-un-compte", "creer-un-compte-2"]
    assert '<h2 id="creer-un-compte-2">Créer un compte</h2>' in rendered.html


def test_render_markdown_ignores_headings_in_code_blocks() -> None:
    rendered = render_markdown("## Vrai {#vrai}\n\n```\n## Faux {#faux}\n```\n")
    assert [e.anchor for e in rendered.toc] == ["vrai"]
    assert "## Faux {#faux}" in rendered.html


def test_slugify_strips_accents_and_punctuation() -> None:
    assert slugify("Créer un compte : « sans SIRET » !") == "creer-un-compte-sans-siret"


def test_french_date_uses_french_month() -> None:
    assert french_date(dt.date(2026, 11, 27)) == "27 novembre 2026"
    assert french_date(dt.date(2026, 8, 15)) == "15 août 2026"


def test_french_date_first_day_is_ordinal() -> None:
    assert french_date(dt.date(2026, 12, 1)) == "1er décembre 2026"


def test_plain_text_strips_markup() -> None:
    assert plain_text("Un **mot** et un [lien](/docs).\n\n- un point") == (
        "Un mot et un lien. un point"
    )


def test_first_sentence_stops_at_first_full_stop() -> None:
    assert first_sentence("Le portail est gratuit. Il est ouvert 24 h/24.") == (
        "Le portail est gratuit."
    )


def test_first_sentence_keeps_decimal_numbers() -> None:
    assert first_sentence("La version 2.1 est en ligne. Suite.") == "La version 2.1 est en ligne."


def test_first_sentence_cuts_long_sentence_on_word() -> None:
    text = "mot " * 100
    summary = first_sentence(text, max_chars=30)
    assert summary.endswith("…")
    assert len(summary) <= 31
    assert "mo…" not in summary


def test_guide_summary_uses_first_section() -> None:
    guide = parse_guide(FIXTURES / "memoires-justice.md")
    assert guide_summary(guide) == (
        "Les experts, interprètes et traducteurs sollicités par la Justice déposent leurs "
        "mémoires en ligne."
    )


def test_render_guide_fixture_page() -> None:
    page = render_guide(parse_guide(FIXTURES / "comptes.md"))
    assert page.updated_label == "27 novembre 2026"
    assert [e.anchor for e in page.toc] == ["compte-sans-siret", "mot-de-passe-oublie"]
    assert [c.anchor for c in page.toc[0].children] == ["compte-sans-siret-pieces"]
    assert "<script" not in page.html
    assert page.summary.startswith("Un particulier sans numéro SIRET peut ouvrir un compte.")


def test_guide_library_lists_guides_by_slug(guides_dir: Path) -> None:
    library = GuideLibrary(guides_dir)
    assert [g.slug for g in library.guides()] == FIXTURE_SLUGS
    assert library.get("inconnu") is None
    assert library.page("inconnu") is None


def test_guide_library_caches_rendered_pages(guides_dir: Path) -> None:
    library = GuideLibrary(guides_dir)
    assert library.page("comptes") is library.page("comptes")


def test_guide_library_reloads_changed_file(guides_dir: Path) -> None:
    library = GuideLibrary(guides_dir)
    assert library.get("comptes").version == "2.1"
    path = guides_dir / "comptes.md"
    path.write_text(path.read_text(encoding="utf-8").replace('"2.1"', '"3.0"'), "utf-8")
    _bump_mtime(path)
    assert library.get("comptes").version == "3.0"
    assert library.page("comptes").guide.version == "3.0"


def test_guide_library_sees_added_and_removed_files(guides_dir: Path) -> None:
    library = GuideLibrary(guides_dir)
    (guides_dir / "remboursement-tic.md").unlink()
    text = (FIXTURES / "remboursement-tic.md").read_text(encoding="utf-8")
    (guides_dir / "tic-bis.md").write_text(text.replace("slug: remboursement-tic", "slug: tic-bis"))
    assert [g.slug for g in library.guides()] == ["comptes", "memoires-justice", "tic-bis"]


def test_guide_library_keeps_previous_version_of_broken_file(guides_dir: Path) -> None:
    library = GuideLibrary(guides_dir)
    assert library.get("comptes") is not None
    path = guides_dir / "comptes.md"
    path.write_text("pas de front matter\n", encoding="utf-8")
    _bump_mtime(path)
    assert library.get("comptes").title == "Créer et gérer son compte"


def test_guide_library_skips_new_broken_file(guides_dir: Path) -> None:
    (guides_dir / "casse.md").write_text("---\ntitle: x\n---\n# x\n", encoding="utf-8")
    library = GuideLibrary(guides_dir)
    assert [g.slug for g in library.guides()] == FIXTURE_SLUGS


def test_guide_library_reload_forgets_cache(guides_dir: Path) -> None:
    library = GuideLibrary(guides_dir)
    first = library.page("comptes")
    library.reload()
    second = library.page("comptes")
    assert first is not second
    assert first == second


def test_guide_library_survives_pickling(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """rasa-sdk pickles its actions (and so their GuideLibrary) into worker processes."""
    import pickle

    from knowledge_base.pages import GuideLibrary

    library = GuideLibrary(tmp_path)
    library.guides()
    clone = pickle.loads(pickle.dumps(library))
    assert clone.directory == tmp_path
    assert clone.guides() == []
