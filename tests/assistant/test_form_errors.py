"""Forms that cannot be read (a field over 1 MB, too many fields, broken multipart, bytes that
are no UTF-8): the ``/support`` page again with a French error, other forms a French JSON
error; never Starlette's English, never a 5xx, and no ticket half-created."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from assistant.errors import DATA_REFUSED, install_error_handlers
from storage.db import get_sessionmaker
from support_tickets.models import Ticket

MEGABYTE = 1024 * 1024
ENGLISH = ("exceeded", "maximum", "Too many", "multipart", "Field", "Part")


@pytest.fixture
def db() -> Iterator[Session]:
    with get_sessionmaker()() as session:
        yield session


def _token(client: TestClient) -> str:
    page = client.get("/support")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def _assert_french_form_page(response_text: str, message: str) -> None:
    page = html.unescape(response_text)
    assert "<h1>Contacter le support</h1>" in page
    assert "Votre demande n'a pas été envoyée" in page and message in page
    assert not any(word in page for word in ENGLISH), page
    assert re.search(r'name="csrf_token" value="[^"]+"', page)  # ready to send again


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_support_form_field_over_1mb_is_french_page(
    client: TestClient, db: Session, encoding: str
) -> None:
    token = _token(client)
    before = db.query(Ticket).count()
    fields = {
        "csrf_token": token,
        "email": "usager@exemple.fr",
        "category": "autre",
        "description": "x" * (MEGABYTE + 1),
    }
    if encoding == "multipart":
        response = client.post(
            "/support", files={name: (None, value) for name, value in fields.items()}
        )
    else:
        response = client.post("/support", data=fields)
    assert response.status_code == 413
    _assert_french_form_page(response.text, "Un champ du formulaire est trop long")
    assert db.query(Ticket).count() == before


def test_support_form_too_many_fields_is_french_page(client: TestClient) -> None:
    token = _token(client)
    body = f"csrf_token={token}&" + "&".join(f"champ{i}=1" for i in range(1001))
    response = client.post(
        "/support", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    _assert_french_form_page(response.text, "Le formulaire contient trop de champs.")


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"--x\r\nnot a part", "multipart/form-data"),  # no boundary
        (
            b"--x\r\nContent-Disposition: form-data\r\n\r\nvaleur\r\n--x--\r\n",
            "multipart/form-data; boundary=x",
        ),
    ],
)
def test_support_form_broken_multipart_is_french_page(
    client: TestClient, content: bytes, content_type: str
) -> None:
    _token(client)
    response = client.post("/support", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400
    _assert_french_form_page(response.text, "Le formulaire envoyé est illisible.")


def test_support_form_invalid_utf8_is_french_page(client: TestClient, db: Session) -> None:
    token = _token(client)
    before = db.query(Ticket).count()
    # What a browser sends (percent-encoded UTF-8), then bytes that are no UTF-8, raw or
    # percent-encoded: Starlette reads them as U+FFFD or Latin-1 characters, never fails.
    body = (
        f"csrf_token={token}&category=autre&description=".encode()
        + quote("Ma facture n'apparaît pas dans la liste. ").encode()
        + b"%FF%FE\xff&email=usager%FF@exemple.fr\xc3"
    )
    response = client.post(
        "/support", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 422
    page = html.unescape(response.text)
    assert "L'adresse e-mail est invalide" in page and "Ma facture n'apparaît pas" in page
    assert db.query(Ticket).count() == before


def test_form_over_1mb_elsewhere_is_french_json(client: TestClient) -> None:
    """The console's forms are read by FastAPI: the app's handler says it in French."""
    response = client.post(
        "/console/login", data={"email": "x" * (MEGABYTE + 1), "csrf_token": uuid.uuid4().hex}
    )
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "Un champ du formulaire est trop long : raccourcissez votre saisie et réessayez."
    )


def test_data_error_is_french_422() -> None:
    """A value the database refuses, that no route checked, is still the client's error."""
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/stocke")
    def store() -> None:
        raise DataError("INSERT …", {}, Exception("integer out of range"))

    with TestClient(app) as client:
        response = client.get("/stocke")
    assert response.status_code == 422
    assert response.json() == {"detail": DATA_REFUSED, "errors": []}
