"""The demo portal page, the embeddable widget's files and the DSFR assets."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.main import STATIC_DIR, create_app

WIDGET_JS = STATIC_DIR / "widget" / "claude-widget.js"
FRONT_END_SCRIPTS = [WIDGET_JS, STATIC_DIR / "js" / "portal.js"]


def test_home_page_is_the_demo_portal(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="fr">' in html
    assert "<h1>Bienvenue sur Chorus Portal Pro</h1>" in html
    assert 'id="login-form"' in html and 'autocomplete="current-password"' in html
    assert '<label class="fr-label" for="login-email">' in html
    assert "Mot de passe oublié ?" in html
    assert 'href="/docs"' in html and 'href="/support"' in html
    assert "Claude, votre assistant virtuel" in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html


def test_home_page_embeds_the_widget_with_data_attributes(client: TestClient) -> None:
    html = client.get("/").text
    tag = re.search(r"<script src=\"/static/widget/claude-widget\.js\"[^>]*>", html)
    assert tag, "widget script tag missing"
    assert 'data-page="/"' in tag.group(0)
    assert "data-api-base" in tag.group(0)
    assert "data-identity-token" not in tag.group(0), "the token travels in the HttpOnly cookie"
    assert '<link rel="stylesheet" href="/static/widget/claude-widget.css">' in html
    for path in ("/static/widget/claude-widget.js", "/static/widget/claude-widget.css"):
        assert client.get(path).status_code == 200


def test_home_page_widget_allow_list_comes_from_settings() -> None:
    settings = Settings(widget_allowed_domains="www.economie.gouv.fr")
    with TestClient(create_app(settings)) as client:
        assert 'data-allowed-domains="www.economie.gouv.fr"' in client.get("/").text


def test_home_page_uses_the_dsfr_served_by_the_app(client: TestClient) -> None:
    html = client.get("/").text
    assert '<link rel="stylesheet" href="/static/dsfr/dsfr.min.css">' in html
    assert 'class="fr-header' in html and 'class="fr-footer' in html
    css = client.get("/static/dsfr/dsfr.min.css")
    assert css.status_code == 200, "run `npm ci` to install the DSFR"
    assert ".fr-btn" in css.text
    assert client.get("/static/dsfr/utility/icons/icons.min.css").status_code == 200


def test_mount_dsfr_missing_logs_a_clear_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(dsfr_dist_dir=tmp_path / "absent")
    with caplog.at_level(logging.ERROR, logger="assistant.main"):
        app = create_app(settings)
    assert "npm ci" in caplog.text
    with TestClient(app) as client:
        assert client.get("/").status_code == 200
        assert client.get("/static/dsfr/dsfr.min.css").status_code == 404


@pytest.mark.parametrize("script", FRONT_END_SCRIPTS, ids=lambda p: p.name)
def test_front_end_scripts_never_parse_html(script: Path) -> None:
    source = script.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, f"{script.name} uses {sink}"
