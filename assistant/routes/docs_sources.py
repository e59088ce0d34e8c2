"""The sources of a guide as titled links, never as raw web addresses.

A guide lists its sources in its front matter, as ``"https://… (description)"`` or as
plain text. With a description, the description is the link's title; without one, the
title is read from the address: the last words of its path (« deposer-une-facture » →
« Deposer une facture ») and the site, named by :data:`SITE_NAMES` when it is a site the
guides often cite, by its host name otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

_SOURCE = re.compile(r"^(https?://\S+)\s*(?:\((.*)\))?\s*$")
_EXTENSION = re.compile(r"\.(?:s?html?|php\d?|aspx?|do|jsp|pdf)$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[-_+\s]+")
# A path word that names nothing: a number, an identifier, a dated or numbered suffix.
_NOISE_WORD = re.compile(r"^(?:\d+|[0-9a-f]{8,}|[a-z]?\d[\w]*\d)$", re.IGNORECASE)
# A reference carried by the query string (knowledge-base article, Journal officiel text).
_REFERENCE = re.compile(r"^(?:KB\d+|JORF[A-Z]*\d+|LEGI[A-Z]*\d+)$")
_MIN_TITLE_WORDS = 2
TITLE_MAX_CHARS = 90

# Sites the guides cite often, by their host name without « www. ».
SITE_NAMES: dict[str, str] = {
    "communaute.chorus-pro.gouv.fr": "Communauté Chorus Pro",
    "portail.chorus-pro.gouv.fr": "Portail Chorus Pro",
    "chorus-portail-pro.finances.gouv.fr": "Chorus Portail Pro",
    "legifrance.gouv.fr": "Légifrance",
    "collectivites-locales.gouv.fr": "Collectivités locales",
    "economie.gouv.fr": "Ministère de l'Économie",
    "impots.gouv.fr": "impots.gouv.fr",
    "douane.gouv.fr": "Douane",
    "justice.gouv.fr": "Ministère de la Justice",
    "senat.fr": "Sénat",
    "assemblee-nationale.fr": "Assemblée nationale",
    "urssaf.fr": "Urssaf",
    "entreprendre.service-public.gouv.fr": "Entreprendre.Service-Public.fr",
}


@dataclass(frozen=True)
class SourceItem:
    """One source of a guide: a title, and a link and its site when it is a web address."""

    label: str
    url: str | None = None
    site: str = ""


def site_name(url: str) -> str:
    """The name of the site of ``url``: :data:`SITE_NAMES`, else its host name."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return SITE_NAMES.get(host, host)


def title_from_url(url: str) -> str:
    """Words read from the last meaningful part of the address' path, or ``""``."""
    for part in reversed([p for p in urlsplit(url).path.split("/") if p]):
        words = _SEPARATORS.split(_EXTENSION.sub("", unquote(part)))
        words = [w for w in words if w and not _NOISE_WORD.match(w)]
        if len(words) >= _MIN_TITLE_WORDS:
            title = " ".join(words)
            if len(title) > TITLE_MAX_CHARS:
                title = title[:TITLE_MAX_CHARS].rsplit(" ", 1)[0] + "…"
            return title[:1].upper() + title[1:]
    return ""


def reference_of(url: str) -> str:
    """The article or text reference found in the query string (« KB0011436 »), or ``""``."""
    values = [value for _, value in parse_qsl(urlsplit(url).query)]
    return next((v for v in values if _REFERENCE.match(v)), "")


def source_item(source: str) -> SourceItem:
    """``"https://… (description)"`` → link titled by its description; a bare address →
    link titled from the address; other text as is (not a link)."""
    match = _SOURCE.match(source.strip())
    if not match:
        return SourceItem(label=source.strip())
    url, description = match.group(1), (match.group(2) or "").strip()
    site = site_name(url)
    if description:
        return SourceItem(label=description[:1].upper() + description[1:], url=url, site=site)
    title = title_from_url(url) or f"Page du site {site}"
    reference = reference_of(url)
    label = f"{title} (réf. {reference})" if reference else title
    return SourceItem(label=label, url=url, site=site)
