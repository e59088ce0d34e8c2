"""French error responses: every 4xx of the API explains itself in French, never a raw 500."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

FIELD_NAMES = {"session_id": "l'identifiant de session", "message": "le message", "page": "la page"}
# FastAPI's and Starlette's own English details, said in French.
ENGLISH_DETAILS = {
    "There was an error parsing the body": (
        "Le corps de la requête est illisible : un JSON valide, encodé en UTF-8, est attendu."
    ),
}


def _of(name: str) -> str:
    """« de » + ``name`` with the French contraction: « du champ », « de la page »."""
    return f"du {name[3:]}" if name.startswith("le ") else f"de {name}"


def _field_message(error: dict[str, Any]) -> tuple[str, str]:
    loc = [str(p) for p in error.get("loc", ()) if p != "body"]
    field = loc[-1] if loc else ""
    kind = error.get("type", "")
    name = FIELD_NAMES.get(field, f"le champ « {field} »" if field else "la requête")
    if kind == "json_invalid":
        return "", "Le corps de la requête n'est pas un JSON valide."
    if kind == "missing":
        return field, f"Il manque {name}."
    if kind in {"string_type", "model_attributes_type", "dict_type"}:
        if not field:
            return "", "Le corps de la requête doit être un objet JSON."
        return field, f"Le format {_of(name)} est invalide : une chaîne de caractères est attendue."
    if kind == "string_pattern_mismatch" and field == "session_id":
        return field, (
            "L'identifiant de session est invalide : 8 à 128 caractères parmi les lettres, "
            "chiffres, « - », « _ », « . » et « : »."
        )
    if kind == "string_too_long":
        return field, f"{name.capitalize()} est trop long."
    if kind == "text_surrogate":
        return field, f"{name.capitalize()} contient un caractère invalide."
    return field, f"La valeur {_of(name)} est invalide."


def install_error_handlers(app: FastAPI) -> None:
    """Register the French handlers for validation errors, HTTP errors and the unexpected."""

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            dict(zip(("field", "message"), _field_message(e), strict=True)) for e in exc.errors()
        ]
        if any(e["message"].startswith("Le corps") for e in errors):
            detail = errors[0]["message"]
            status = 400
        else:
            detail = "La requête est invalide : " + " ".join(e["message"] for e in errors)
            status = 422
        return JSONResponse({"detail": detail, "errors": errors}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        defaults = {
            404: "Ressource introuvable.",
            405: "Méthode non autorisée pour cette adresse.",
            413: "La requête est trop volumineuse.",
        }
        detail: str | None = exc.detail if isinstance(exc.detail, str) else None
        if detail == HTTPStatus(exc.status_code).phrase:  # Starlette's English default
            detail = None
        detail = ENGLISH_DETAILS.get(detail or "", detail)
        return JSONResponse(
            {"detail": detail or defaults.get(exc.status_code, "La requête ne peut pas aboutir.")},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("web.unexpected_error path=%s", request.url.path)
        return JSONResponse(
            {"detail": "Une erreur inattendue est survenue. Veuillez réessayer plus tard."},
            status_code=500,
        )
