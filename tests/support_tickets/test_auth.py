"""Agent accounts: argon2 hashes, lockout after repeated failures (its boundaries), sessions
(expiry boundary, purge, closing) and the CSRF token bound to each session.

Time is passed explicitly (``now``). Password hashing uses cheap argon2 parameters here (the
algorithm and code paths are the real ones) so the file stays fast enough for mutation runs.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import select
from sqlalchemy.orm import Session

from support_tickets import auth
from support_tickets.config import SupportSettings
from support_tickets.errors import LoginError
from support_tickets.models import Agent, AgentSession, as_utc
from tests.support_tickets.conftest import AGENT_PASSWORD, unique_email

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
TICK = dt.timedelta(microseconds=1)
SETTINGS = SupportSettings(max_failed_logins=3, lockout_minutes=15, session_hours=10)
WRONG = "mauvais-mot-de-passe"
REAL_HASHER = auth._hasher
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(auth, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(auth, "_DUMMY_HASH", CHEAP_HASHER.hash("factice"))
    yield


def _authenticate(
    db: Session, agent: Agent, password: str, now: dt.datetime, settings: SupportSettings = SETTINGS
) -> Agent:
    return auth.authenticate(db, email=agent.email, password=password, now=now, settings=settings)


def _refused(
    db: Session, agent: Agent, password: str, now: dt.datetime, settings: SupportSettings = SETTINGS
) -> str:
    with pytest.raises(LoginError) as caught:
        _authenticate(db, agent, password, now, settings)
    return caught.value.message


def _locked_for(minutes: int) -> str:
    plural = "s" if minutes > 1 else ""
    return (
        "Trop de tentatives de connexion échouées : ce compte est verrouillé pendant encore "
        f"{minutes} minute{plural}."
    )


def _lock(db: Session, agent: Agent) -> None:
    """Three failures at ``NOW``: locked until ``NOW`` + 15 minutes."""
    for _ in range(3):
        _refused(db, agent, WRONG, NOW)
    assert as_utc(agent.locked_until) == NOW + dt.timedelta(minutes=15)


# --- passwords ------------------------------------------------------------------------------


def test_create_agent_stores_argon2_hash(agent: Agent) -> None:
    assert agent.password_hash.startswith("$argon2id$")
    assert AGENT_PASSWORD not in agent.password_hash
    with pytest.raises(ValueError, match="au moins 12 caractères"):
        auth.hash_password("court")


def test_create_agent_real_hasher_is_argon2id() -> None:
    assert REAL_HASHER.type is Type.ID
    assert REAL_HASHER.hash("x" * 12).startswith("$argon2id$")


def test_hash_password_minimum_length_boundary() -> None:
    assert auth.MIN_PASSWORD_CHARS == 12
    assert auth.verify_password(auth.hash_password("a" * 12), "a" * 12)
    with pytest.raises(ValueError, match="au moins 12 caractères"):
        auth.hash_password("a" * 11)


def test_verify_password_refuses_wrong_password_and_broken_hash() -> None:
    stored = auth.hash_password("bon-mot-de-passe")
    assert auth.verify_password(stored, "bon-mot-de-passe") is True
    assert auth.verify_password(stored, "autre-mot-de-passe") is False
    assert auth.verify_password("pas-un-hash", "bon-mot-de-passe") is False
    assert auth.verify_password(stored[:-8], "bon-mot-de-passe") is False  # truncated hash


def test_create_agent_takes_the_account_by_name_only(db: Session) -> None:
    with pytest.raises(TypeError):
        auth.create_agent(db, unique_email(), "X", "agent", AGENT_PASSWORD)  # type: ignore[misc]


def test_create_agent_normalises_email_and_checks_role(db: Session) -> None:
    email = unique_email("Agent.Casse")
    created = auth.create_agent(
        db, email=f"  {email.upper()} ", name="Agent Casse", role="agent", password=AGENT_PASSWORD
    )
    assert created.email == email.lower()
    with pytest.raises(ValueError, match="Rôle inconnu : chef"):
        auth.create_agent(db, email=unique_email(), name="X", role="chef", password=AGENT_PASSWORD)


# --- authenticate and lockout ---------------------------------------------------------------


def test_authenticate_accepts_right_password_case_insensitive_email(
    db: Session, agent: Agent
) -> None:
    found = auth.authenticate(db, email=f" {agent.email.upper()} ", password=AGENT_PASSWORD)
    assert found.id == agent.id and found.last_login_at is not None


def test_authenticate_same_message_for_unknown_email_and_wrong_password(
    db: Session, agent: Agent
) -> None:
    with pytest.raises(LoginError) as unknown:
        auth.authenticate(db, email="personne@exemple.fr", password=AGENT_PASSWORD)
    with pytest.raises(LoginError) as wrong:
        auth.authenticate(db, email=agent.email, password="mauvais-mot-de-passe")
    assert unknown.value.message == wrong.value.message == auth.BAD_CREDENTIALS
    assert auth.BAD_CREDENTIALS == "Adresse e-mail ou mot de passe incorrect."


def test_authenticate_takes_credentials_by_name_only(db: Session, agent: Agent) -> None:
    with pytest.raises(TypeError):
        auth.authenticate(db, agent.email, AGENT_PASSWORD)  # type: ignore[misc]


def test_authenticate_empty_email_or_password_is_refused(db: Session, agent: Agent) -> None:
    for email, password in (("", AGENT_PASSWORD), (agent.email, ""), ("", "")):
        with pytest.raises(LoginError, match="incorrect"):
            auth.authenticate(db, email=email, password=password, now=NOW, settings=SETTINGS)
    assert agent.failed_logins == 1  # only the known account with a wrong password counts


def test_authenticate_sets_last_login_and_resets_counters(db: Session, agent: Agent) -> None:
    _refused(db, agent, WRONG, NOW)
    found = _authenticate(db, agent, AGENT_PASSWORD, NOW + dt.timedelta(seconds=5))
    assert as_utc(found.last_login_at) == NOW + dt.timedelta(seconds=5)
    assert (found.failed_logins, found.locked_until) == (0, None)


def test_authenticate_locks_after_repeated_failures(db: Session, agent: Agent) -> None:
    for _ in range(2):
        assert _refused(db, agent, WRONG, NOW) == auth.BAD_CREDENTIALS
    assert _refused(db, agent, WRONG, NOW) == _locked_for(15)
    # Even the right password is refused during the lockout…
    assert _refused(db, agent, AGENT_PASSWORD, NOW + dt.timedelta(minutes=5)) == _locked_for(10)
    # …and accepted after it.
    assert _authenticate(db, agent, AGENT_PASSWORD, NOW + dt.timedelta(minutes=16)).id == agent.id


def test_authenticate_locks_after_exactly_max_failed_logins(db: Session, agent: Agent) -> None:
    messages, counts = [], []
    for _ in range(3):
        messages.append(_refused(db, agent, WRONG, NOW))
        counts.append(agent.failed_logins)
    assert messages == [auth.BAD_CREDENTIALS, auth.BAD_CREDENTIALS, _locked_for(15)]
    assert counts == [1, 2, 0]  # the counter starts again once the lock is set
    assert as_utc(agent.locked_until) == NOW + dt.timedelta(minutes=15)


def test_authenticate_max_failed_logins_of_one_locks_at_once(db: Session, agent: Agent) -> None:
    settings = SupportSettings(max_failed_logins=1, lockout_minutes=2)
    assert _refused(db, agent, WRONG, NOW, settings) == _locked_for(2)


def test_authenticate_lowered_max_applies_to_accounts_already_past_it(
    db: Session, agent: Agent
) -> None:
    """Failures counted under a higher limit: the next failure locks (``>=``, not ``==``)."""
    agent.failed_logins = 5
    db.commit()
    assert _refused(db, agent, WRONG, NOW) == _locked_for(15)


def test_authenticate_success_resets_the_failure_count(db: Session, agent: Agent) -> None:
    for _ in range(2):
        _refused(db, agent, WRONG, NOW)
    _authenticate(db, agent, AGENT_PASSWORD, NOW)
    assert agent.failed_logins == 0
    for _ in range(2):
        assert _refused(db, agent, WRONG, NOW) == auth.BAD_CREDENTIALS
    assert agent.locked_until is None


def test_authenticate_lockout_expiry_boundary(db: Session, agent: Agent) -> None:
    _lock(db, agent)
    until = NOW + dt.timedelta(minutes=15)
    assert _refused(db, agent, AGENT_PASSWORD, until - TICK) == _locked_for(1)
    found = _authenticate(db, agent, AGENT_PASSWORD, until)  # the lock ends at ``until``
    assert found.id == agent.id and found.locked_until is None


def test_authenticate_failure_during_lockout_does_not_extend_it(db: Session, agent: Agent) -> None:
    _lock(db, agent)
    assert _refused(db, agent, WRONG, NOW + dt.timedelta(minutes=5)) == _locked_for(10)
    assert as_utc(agent.locked_until) == NOW + dt.timedelta(minutes=15)
    assert agent.failed_logins == 0


def test_authenticate_after_lockout_counts_from_zero(db: Session, agent: Agent) -> None:
    _lock(db, agent)
    later = NOW + dt.timedelta(minutes=16)
    assert _refused(db, agent, WRONG, later) == auth.BAD_CREDENTIALS
    assert _refused(db, agent, WRONG, later) == auth.BAD_CREDENTIALS
    assert _refused(db, agent, WRONG, later) == _locked_for(15)


@pytest.mark.parametrize(
    ("elapsed", "minutes"),
    [
        (dt.timedelta(0), 15),
        (dt.timedelta(seconds=1), 15),  # 14 min 59 s left: rounded up
        (dt.timedelta(minutes=5), 10),
        (dt.timedelta(minutes=13), 2),
        (dt.timedelta(minutes=12), 3),
        (dt.timedelta(minutes=13, seconds=59), 2),
        (dt.timedelta(minutes=14), 1),
        (dt.timedelta(minutes=14, seconds=59), 1),  # never « 0 minute »
    ],
)
def test_authenticate_lockout_message_rounds_minutes_up(
    db: Session, agent: Agent, elapsed: dt.timedelta, minutes: int
) -> None:
    _lock(db, agent)
    assert _refused(db, agent, AGENT_PASSWORD, NOW + elapsed) == _locked_for(minutes)


def test_authenticate_inactive_agent_is_refused_like_unknown(db: Session, agent: Agent) -> None:
    agent.active = False
    db.commit()
    assert _refused(db, agent, AGENT_PASSWORD, NOW) == auth.BAD_CREDENTIALS
    assert agent.failed_logins == 0 and agent.last_login_at is None


def test_authenticate_rehashes_an_outdated_hash(db: Session, agent: Agent) -> None:
    agent.password_hash = PasswordHasher(time_cost=2, memory_cost=64, parallelism=1).hash(
        AGENT_PASSWORD
    )
    db.commit()
    old = agent.password_hash
    _authenticate(db, agent, AGENT_PASSWORD, NOW)
    assert agent.password_hash != old
    assert not CHEAP_HASHER.check_needs_rehash(agent.password_hash)
    assert auth.verify_password(agent.password_hash, AGENT_PASSWORD)


def test_authenticate_keeps_an_up_to_date_hash(db: Session, agent: Agent) -> None:
    current = agent.password_hash
    _authenticate(db, agent, AGENT_PASSWORD, NOW)
    assert agent.password_hash == current


# --- sessions -------------------------------------------------------------------------------


def _row(db: Session, token: str) -> AgentSession | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    return db.scalars(select(AgentSession).where(AgentSession.token_hash == digest)).first()


def test_open_session_stores_only_token_digest(db: Session, agent: Agent) -> None:
    new = auth.open_session(db, agent)
    row = auth.session_for_token(db, new.token)
    assert row is not None and row.agent_id == agent.id and row.csrf_token == new.csrf_token
    assert row.token_hash == hashlib.sha256(new.token.encode()).hexdigest() != new.token
    assert auth.session_for_token(db, new.token + "x") is None
    auth.close_session(db, new.token)
    assert auth.session_for_token(db, new.token) is None


def test_session_for_token_refuses_inactive_agent(db: Session, agent: Agent) -> None:
    new = auth.open_session(db, agent)
    agent.active = False
    db.commit()
    assert auth.session_for_token(db, new.token) is None


def test_session_for_token_without_token_is_none(db: Session) -> None:
    assert auth.session_for_token(db, None) is None
    assert auth.session_for_token(db, "") is None


def test_open_session_lasts_session_hours(db: Session, agent: Agent) -> None:
    new = auth.open_session(db, agent, SETTINGS, now=NOW)
    assert new.expires_at == NOW + dt.timedelta(hours=10)
    row = _row(db, new.token)
    assert row is not None and as_utc(row.expires_at) == new.expires_at


def test_open_session_uses_the_current_time_by_default(db: Session, agent: Agent) -> None:
    before = dt.datetime.now(dt.UTC)
    new = auth.open_session(db, agent, SETTINGS)
    after = dt.datetime.now(dt.UTC)
    hours = dt.timedelta(hours=10)
    assert before + hours <= new.expires_at <= after + hours
    assert auth.session_for_token(db, new.token) is not None


def test_session_for_token_expiry_boundary(db: Session, agent: Agent) -> None:
    new = auth.open_session(db, agent, SETTINGS, now=NOW)
    end = NOW + dt.timedelta(hours=10)
    assert auth.session_for_token(db, new.token, now=NOW) is not None
    assert auth.session_for_token(db, new.token, now=end - TICK) is not None
    assert auth.session_for_token(db, new.token, now=end) is None  # over at ``expires_at``
    assert auth.session_for_token(db, new.token, now=end + TICK) is None


def test_open_session_purges_sessions_over_at_now(db: Session, agent: Agent) -> None:
    oldest = auth.open_session(db, agent, SETTINGS, now=NOW - dt.timedelta(hours=1))
    first = auth.open_session(db, agent, SETTINGS, now=NOW)
    end = NOW + dt.timedelta(hours=10)
    second = auth.open_session(db, agent, SETTINGS, now=end - TICK)
    assert _row(db, oldest.token) is None  # over an hour before: purged
    assert _row(db, first.token) is not None  # still live when the second one opened
    auth.open_session(db, agent, SETTINGS, now=end)
    assert _row(db, first.token) is None  # over at ``end``: purged
    assert _row(db, second.token) is not None


def test_open_session_result_is_immutable(db: Session, agent: Agent) -> None:
    new = auth.open_session(db, agent)
    with pytest.raises(dataclasses.FrozenInstanceError):
        new.csrf_token = "autre"  # type: ignore[misc]


def test_open_session_tokens_are_32_random_bytes(db: Session, agent: Agent) -> None:
    new = auth.open_session(db, agent)
    for token in (new.token, new.csrf_token):
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == 32


def test_close_session_ends_only_that_session(db: Session, agent: Agent) -> None:
    sessions = sorted(
        (auth.open_session(db, agent) for _ in range(5)),
        key=lambda new: hashlib.sha256(new.token.encode()).hexdigest(),
    )
    auth.close_session(db, None)
    auth.close_session(db, "")
    middle = sessions.pop(2)  # digests on both sides of it: a range delete would show
    assert auth.session_for_token(db, middle.token) is not None
    auth.close_session(db, middle.token)
    assert auth.session_for_token(db, middle.token) is None
    assert all(auth.session_for_token(db, other.token) is not None for other in sessions)


# --- CSRF -----------------------------------------------------------------------------------


def test_csrf_matches_only_the_exact_token() -> None:
    assert auth.csrf_matches("jeton-csrf", "jeton-csrf") is True
    for given in (None, "", "jeton-csr", "jeton-csrf ", "JETON-CSRF", "autre"):
        assert auth.csrf_matches("jeton-csrf", given) is False
    assert auth.csrf_matches("", "") is False  # an empty token never matches


def test_csrf_token_is_bound_to_its_session(db: Session, agent: Agent) -> None:
    first = auth.open_session(db, agent)
    second = auth.open_session(db, agent)
    assert len({first.token, first.csrf_token, second.token, second.csrf_token}) == 4
    row = auth.session_for_token(db, first.token)
    assert row is not None and row.csrf_token == first.csrf_token
    assert auth.csrf_matches(row.csrf_token, first.csrf_token)
    assert not auth.csrf_matches(row.csrf_token, second.csrf_token)  # another session's
    assert not auth.csrf_matches(row.csrf_token, first.token)  # the cookie is not the token
