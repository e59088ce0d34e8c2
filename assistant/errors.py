"""French error responses: every 4xx of the API explains itself in French, never a raw 500."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.chat.schemas import ErrorResponse

logger = logging.getLogger(__name__)

FIELD_NAMES = {"session_id": "l'identifiant de session", "message": "le message", "page": "la page"}
# FastAPI's and Starlette's own English details, said in French.
ENGLISH_DETAILS = {
    "There was an error parsing the body": (
        "Le corps de la requête est illisible : un JSON valide, encodé en UTF-8, est attendu."
    ),
}
# Starlette's English reasons for refusing a form (``request.form()`` answers them as a 400),
# by how they start: the status code they deserve and what to say in French.
FORM_TOO_LARGE = "Un champ du formulaire est trop long : raccourcissez votre saisie et réessayez."
FORM_ERRORS: dict[str, tuple[int, str]] = {
    "Field exceeded maximum size": (413, FORM_TOO_LARGE),
    "Part exceeded maximum size": (413, FORM_TOO_LARGE),
    "Too many fields": (413, "Le formulaire contient trop de champs."),
    "Too many files": (413, "Le formulaire contient trop de fichiers."),
    "Missing boundary in multipart": (400, "Le formulaire envoyé est illisible."),
    "Invalid multipart data": (400, "Le formulaire envoyé est illisible."),
    'The Content-Disposition header field "name"': (400, "Le formulaire envoyé est illisible."),
}
# A value the database refuses (a number beyond its integers, a NUL character, a text longer
# than its column): the routes check what they store, this answers what they missed.
DATA_REFUSED = (
    "La requête contient une valeur que la base de données ne peut pas enregistrer (nombre "
    "trop grand, caractère nul ou texte trop long) : corrigez-la et réessayez."
)
# The database is busy (every pooled connection in use past the pool's timeout, a locked
# SQLite file) or unreachable: nothing was stored, the caller may try again shortly.
DATABASE_BUSY = (
    "Le service est momentanément surchargé : votre demande n'a pas été traitée. "
    "Réessayez dans quelques instants."
)
DATABASE_BUSY_RETRY_AFTER_S = 5
"""``Retry-After`` of the 503 answered when the database is busy or unreachable."""


def error_response(status: int, detail: str, field: str = "") -> JSONResponse:
    """An API 4xx in the documented shape: a French ``detail`` and the offending field."""
    errors = [{"field": field, "message": detail}] if field else []
    return JSONResponse({"detail": detail, "errors": errors}, status_code=status)


def form_error(detail: str | None) -> tuple[int, str] | None:
    """The status code and French message of Starlette's refusal of a form, from its English
    ``detail``; None when ``detail`` is no such refusal."""
    for start, answer in FORM_ERRORS.items():
        if (detail or "").startswith(start):
            return answer
    return None


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


# The answers of the validation handler below, as the OpenAPI schema documents them.
ERROR_RESPONSE_REF = "#/components/schemas/ErrorResponse"
FASTAPI_422_REF = "#/components/schemas/HTTPValidationError"
VALIDATION_ANSWERS: dict[str, dict[str, Any]] = {
    "400": {
        "description": "Corps de la requête illisible",
        "content": {"application/json": {"schema": {"$ref": ERROR_RESPONSE_REF}}},
    },
    "422": {
        "description": "Paramètre ou champ invalide",
        "content": {"application/json": {"schema": {"$ref": ERROR_RESPONSE_REF}}},
    },
}


def document_validation_answers(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI ``schema`` say what the validation handler answers: the French 422
    (an :class:`ErrorResponse`) where FastAPI documents its own (a list of English details),
    and a 400 for a JSON body that cannot be read. What a route documents itself is kept."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            fastapi_422 = responses.get("422", {}).get("content", {}).get("application/json")
            if fastapi_422 and fastapi_422.get("schema", {}).get("$ref") == FASTAPI_422_REF:
                responses["422"] = VALIDATION_ANSWERS["422"]
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body:
                responses.setdefault("400", VALIDATION_ANSWERS["400"])
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorResponse", ErrorResponse.model_json_schema())
    if FASTAPI_422_REF not in json.dumps(schema.get("paths", {})):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    return schema


async def database_busy(request: Request, exc: Exception) -> JSONResponse:
    """The French 503 for a busy or unreachable database (nothing was stored)."""
    logger.error("web.database_busy path=%s error=%s", request.url.path, exc)
    return JSONResponse(
        {"detail": DATABASE_BUSY, "errors": []},
        status_code=503,
        headers={"Retry-After": str(DATABASE_BUSY_RETRY_AFTER_S)},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the French handlers for validation errors, HTTP errors and the unexpected,
    and have the OpenAPI schema document the validation handler's answers."""
    build_openapi = app.openapi
    app.openapi = lambda: document_validation_answers(build_openapi())  # type: ignore[method-assign]

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
        status_code = exc.status_code
        refused_form = form_error(detail) if status_code == 400 else None
        if refused_form is not None:
            status_code, detail = refused_form
        return JSONResponse(
            {"detail": detail or defaults.get(status_code, "La requête ne peut pas aboutir.")},
            status_code=status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(DataError)
    async def _data_refused(request: Request, exc: DataError) -> JSONResponse:
        logger.warning("web.data_refused path=%s error=%s", request.url.path, exc.orig)
        return JSONResponse({"detail": DATA_REFUSED, "errors": []}, status_code=422)

    app.add_exception_handler(PoolTimeout, database_busy)
    app.add_exception_handler(OperationalError, database_busy)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("web.unexpected_error path=%s", request.url.path)
        return JSONResponse(
            {"detail": "Une erreur inattendue est survenue. Veuillez réessayer plus tard."},
            status_code=500,
        )
