"""The DSFR page base (``base.html``) and the Jinja2 environments that extend it."""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

BASE_TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def page_environment(*template_dirs: Path) -> Environment:
    """An autoescaping environment that finds a feature's templates first, then the base."""
    loaders = [FileSystemLoader(d) for d in (*template_dirs, BASE_TEMPLATES_DIR)]
    return Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]))
