"""The two SQL expressions of the Pilotage aggregates that SQLite and PostgreSQL write
differently: the UTC hour of a timestamp (the grouping key folded into Paris days in Python)
and the decision of the last knowledge-base record stored with a chat turn."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

# The text form of utc_hour, as Python reads it back.
UTC_HOUR_FORMAT = "%Y-%m-%d %H"


class utc_hour(FunctionElement[str]):  # noqa: N801 (an SQL function, named like one)
    """The UTC hour of a timestamp column as text, « 2026-11-27 14 ».

    SQLite stores the datetimes of the models as UTC text; PostgreSQL as ``timestamptz``."""

    type = String()
    inherit_cache = True


class last_decision(FunctionElement[str]):  # noqa: N801 (an SQL function, named like one)
    """``decision`` of the last record of a JSON array column (``chat_turns.kb``): what the
    retrieval (or the rollout rules) decided last in the turn; NULL without a record."""

    type = String()
    inherit_cache = True


@compiles(utc_hour)
def _utc_hour_sqlite(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('{UTC_HOUR_FORMAT}', {compiler.process(element.clauses, **kw)})"


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char(timezone('UTC', {column}), 'YYYY-MM-DD HH24')"


@compiles(last_decision)
def _last_decision_sqlite(element: last_decision, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_extract({compiler.process(element.clauses, **kw)}, '$[#-1].decision')"


@compiles(last_decision, "postgresql")
def _last_decision_postgresql(element: last_decision, compiler: SQLCompiler, **kw: Any) -> str:
    return f"(({compiler.process(element.clauses, **kw)}) -> -1 ->> 'decision')"
