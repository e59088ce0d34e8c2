"""Navigation of the documentation: guides grouped by the people they serve, reading order.

The profile of each guide is a table here (:data:`GUIDE_PROFILES`), not a field of the
guides' front matter: the guides are the indexed knowledge (``content_hash`` in
``knowledge_base.documents`` covers every byte of them), so a navigation change written
there would force a re-index of the assistant's search for no change of knowledge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from knowledge_base.content import Guide
from knowledge_base.text import fold


@dataclass(frozen=True)
class Profile:
    """A group of users of the portal, as the documentation index shows it."""

    id: str
    title: str
    description: str


# In the order of the index page; the first profile lists the guides every user needs.
PROFILES: tuple[Profile, ...] = (
    Profile(
        "premiers-pas",
        "Pour bien commencer",
        "Découvrir le portail, créer son compte, suivre ses formulaires et obtenir de l'aide.",
    ),
    Profile(
        "fournisseurs",
        "Fournisseurs",
        "Entreprises et prestataires qui facturent l'État, les collectivités territoriales et "
        "les établissements publics.",
    ),
    Profile(
        "justice",
        "Prestataires de la justice",
        "Experts, interprètes et traducteurs, enquêteurs, médiateurs et autres collaborateurs "
        "du service public de la justice qui présentent des mémoires de frais de justice.",
    ),
    Profile(
        "exploitants-agricoles",
        "Exploitants agricoles",
        "Exploitations agricoles, conchylicoles, piscicoles ou forestières et CUMA qui "
        "demandent le remboursement de la TIC/TICGN.",
    ),
    Profile(
        "acheteurs-publics",
        "Acheteurs publics",
        "Services de l'État, collectivités et établissements publics qui reçoivent et "
        "traitent les factures de leurs fournisseurs.",
    ),
)
OTHER_PROFILE = Profile("autres-guides", "Autres guides", "Guides qui ne visent pas un public.")

# Guide slug → the profiles it serves, in reading order inside each profile. A guide may
# serve several profiles; the first one places it in the previous / next order.
GUIDE_PROFILES: dict[str, tuple[str, ...]] = {
    "presentation-portail": ("premiers-pas",),
    "comptes": ("premiers-pas",),
    "suivi-formulaires": ("premiers-pas",),
    "aide-support": ("premiers-pas",),
    "facturation-electronique": ("fournisseurs", "acheteurs-publics"),
    "guide-comptes-structures": ("fournisseurs", "acheteurs-publics"),
    "guide-depot-factures": ("fournisseurs",),
    "guide-suivi-paiement": ("fournisseurs", "acheteurs-publics"),
    "guide-reforme-2026": ("fournisseurs",),
    "memoires-justice": ("justice",),
    "guide-memoires-justice": ("justice",),
    "remboursement-tic-ticgn": ("exploitants-agricoles",),
    "guide-carburants-agricoles": ("exploitants-agricoles",),
}
# A guide with at least this many sections of the first level gets the DSFR side menu.
LONG_GUIDE_MIN_SECTIONS = 6


@dataclass(frozen=True)
class ProfileGroup:
    """A profile and its guides, in reading order."""

    profile: Profile
    guides: tuple[Guide, ...]

    @property
    def anchor(self) -> str:
        return f"profil-{self.profile.id}"


@dataclass(frozen=True)
class Neighbours:
    """The guides before and after one guide in the reading order (``None`` at the ends)."""

    previous: Guide | None
    next: Guide | None


def group_by_profile(guides: Sequence[Guide]) -> list[ProfileGroup]:
    """The profiles that have guides, each with its guides in the table's order; the guides
    the table does not know come last, under « Autres guides », by title."""
    by_slug = {guide.slug: guide for guide in guides}
    groups: list[ProfileGroup] = []
    for profile in PROFILES:
        members = tuple(
            by_slug[slug]
            for slug, served in GUIDE_PROFILES.items()
            if profile.id in served and slug in by_slug
        )
        if members:
            groups.append(ProfileGroup(profile, members))
    others = sorted(
        (g for g in guides if g.slug not in GUIDE_PROFILES), key=lambda g: fold(g.title)
    )
    if others:
        groups.append(ProfileGroup(OTHER_PROFILE, tuple(others)))
    return groups


def reading_order(guides: Sequence[Guide]) -> list[Guide]:
    """Every guide once, in the order of the index page (first appearance)."""
    seen: dict[str, Guide] = {}
    for group in group_by_profile(guides):
        for guide in group.guides:
            seen.setdefault(guide.slug, guide)
    return list(seen.values())


def neighbours(guides: Sequence[Guide], slug: str) -> Neighbours:
    """The previous and next guides of ``slug`` in :func:`reading_order`."""
    order = reading_order(guides)
    slugs = [guide.slug for guide in order]
    if slug not in slugs:
        return Neighbours(None, None)
    position = slugs.index(slug)
    previous = order[position - 1] if position > 0 else None
    following = order[position + 1] if position + 1 < len(order) else None
    return Neighbours(previous, following)


def profiles_of(slug: str) -> list[Profile]:
    """The profiles a guide serves (« Autres guides » for a guide outside the table)."""
    known = {profile.id: profile for profile in PROFILES}
    return [known[p] for p in GUIDE_PROFILES.get(slug, ()) if p in known] or [OTHER_PROFILE]
