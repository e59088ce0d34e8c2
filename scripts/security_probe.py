"""The figures of SECURITY.md (`make security-probe`): the real stack (ports 8305/6305/6355, a
throw-away database) probed for cross-talk, conversation access, XSS, recovery after kill -9,
tickets under kills, then the API fuzzing test. A Markdown table, also in JSON in
``var/security-probe.json``; exit code 1 when a figure that must be 0 is not."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

import httpx
from markupsafe import escape

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from assistant.chat.api_client import KEY_HEADER  # noqa: E402
from portal.accounts.seed import DEMO_ACCOUNTS  # noqa: E402
from support_tickets.config import SupportSettings  # noqa: E402
from support_tickets.seed import DEMO_AGENT_EMAIL  # noqa: E402
from tests.stack import Stack, running_stack  # noqa: E402

WEB_PORT, RASA_PORT, ACTIONS_PORT = 8305, 6305, 6355
OUTPUT = REPO_ROOT / "var" / "security-probe.json"
LIMITS = ("RATE_LIMIT_PER_SESSION", "RATE_LIMIT_PER_CLIENT", "SUPPORT_FORM_RATE_LIMIT_PER_CLIENT")
KILL_CLIENTS, WEB_KILLS, KILL_GAP_S = 4, 5, 3.0  # 5 kills: the web app is given up at the 7th
SENDERS, MESSAGES = 50, 5
UNANSWERED = "« web » ne répond plus"  # the runner's line when it restarts a stalled web app
SETTLE_S = 10.0  # longer than the supervisor needs to decide (2 probes, 2 s apart)
QUESTION = "Comment créer un compte sur le portail ?"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
NUMBER_RE = re.compile(r"SUP-(\d{4})-(\d{6})")
AMOUNT_RE = re.compile(r"\d[\d\u00a0\u202f ]*,\d\d\u00a0€")  # the private reply's amounts
PRODUCT = "1017587"  # 911 * 1117: shows if a template engine evaluated a payload
PAYLOADS_TEXT = r"""
<a href="https://www.economie.gouv.fr" onclick="alert(33)">lien</a> || <img src=x onerror=alert(3)>
<meta http-equiv="refresh" content="0;url=javascript:alert(22)"> || <img src="x" onerror="alert(4)">
<embed src="data:text/html,<script>alert(21)</script>"> || <SCRIPT SRC=//xss.invalid/x.js></SCRIPT>
{{constructor.constructor('alert(25)')()}} || <a href="javascript:alert(9)">clic</a> || ${911*1117}
&lt;script&gt;alert(32)&lt;/script&gt; || </textarea><script>alert(15)</script> || <%= 911*1117 %>
<svg><script>alert(6)</script></svg> || <object data="javascript:alert(20)"> || javascript:alert(10)
<input autofocus onfocus=alert(18)> || </title><script>alert(16)</script> || <body onload=alert(7)>
%3Cscript%3Ealert(31)%3C/script%3E || <details open ontoggle=alert(17)> || <script>alert(1)</script>
[clic](javascript:alert(24)) || " onmouseover="alert(13) || <svg onload=alert(5)> || {{ 911*1117 }}
<math><mtext></p><img src=x onerror=alert(19)> || <style>@import 'javascript:alert(23)';</style>
<iframe src="javascript:alert(8)"></iframe> || <scr<script>ipt>alert(30)</scr</script>ipt>
'><img src=x onerror=alert(12)> || ' autofocus onfocus='alert(14) || "><script>alert(11)</script>"""
PAYLOADS = re.split(r" \|\| |\n", PAYLOADS_TEXT.strip())
Row = dict[str, Any]
Probe = Callable[[Stack, Path], Row]


def row(probe: str, done: str, figures: dict[str, Any], zero: list[str], expected: str) -> Row:
    failed = [name for name in zero if figures.get(name) != 0]
    return dict(probe=probe, done=done, figures=figures, expected=expected, failed=failed)


def until(check: Callable[[], bool], limit_s: float, start: float) -> float | None:
    """Seconds since ``start`` when ``check`` first holds (an error is a no); None past limit."""
    while time.monotonic() - start < limit_s:
        with suppress(httpx.HTTPError, ValueError, KeyError, OSError):
            if check():
                return round(time.monotonic() - start, 1)
        time.sleep(0.5)
    return None


def chat(url: str, message: str, timeout: float = 60) -> list[dict[str, Any]]:
    body = {"session_id": f"probe-{uuid.uuid4().hex[:12]}", "message": message}
    response = httpx.post(f"{url}/api/chat", json=body, timeout=timeout)
    return list(response.json()["messages"])


def healthy(url: str) -> bool:
    return httpx.get(f"{url}/health", timeout=5).status_code == 200


def pid_of(stack: Stack, name: str) -> int:
    """A server's pid; for "worker", the process holding the action server's models: the
    server itself in one process (actions/serve.py), else its child holding the most memory."""
    until(lambda: "web" in stack.pids(), 10, time.monotonic())  # the runner may be writing it
    pid: int = stack.pids()["actions" if name == "worker" else name]
    if name != "worker":
        return pid
    ps = ["ps", "--ppid", str(pid), "-o", "rss=,pid="]
    run = subprocess.run(ps, capture_output=True, text=True, check=False)
    lines = run.stdout.splitlines()
    return max(tuple(int(n) for n in line.split()) for line in lines)[1] if lines else pid


def db_tickets(db: Path) -> list[tuple[int, str, str, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return list(conn.execute("SELECT id, number, email, description FROM support_tickets"))


def submit(client: httpx.Client, **fields: str) -> tuple[httpx.Response, str | None]:
    """The /support form as a browser sends it: its CSRF token first, then the POST."""
    found = CSRF_RE.search(client.get("/support").text)
    data = {"csrf_token": found.group(1) if found else "", "category": "autre", "reference": ""}
    response = client.post("/support", data={**data, **fields}, follow_redirects=False)
    number = NUMBER_RE.search(response.headers.get("location", ""))
    return response, number.group(0) if response.status_code == 303 and number else None


def login(url: str, email: str = DEMO_AGENT_EMAIL, password: str = "") -> httpx.Client:
    client, path = httpx.Client(base_url=url, timeout=60), "/api/auth/login"
    if email == DEMO_AGENT_EMAIL:
        path, password = "/api/agent/login", SupportSettings().demo_agent_password
    client.post(path, json={"email": email, "password": password}).raise_for_status()
    return client


def probe_recovery(stack: Stack, _db: Path) -> Row:
    """kill -9 Rasa, then the action worker; seconds until healthy (the web app: tickets)."""
    url, figures, latencies = stack.url, {}, []
    for name, server in (("Rasa", "rasa"), ("action worker", "worker")):
        start = time.monotonic()
        os.kill(pid_of(stack, server), signal.SIGKILL)
        while name == "Rasa" and len(latencies) < 3:
            sent, reply = time.monotonic(), chat(url, QUESTION)[0]["text"]
            latencies.append(round(time.monotonic() - sent, 2) if "indisponible" in reply else -1)
        figures[f"{name}: /health 200 after (s)"] = until(lambda: healthy(url), 400, start)
        if name == "action worker":
            answered = lambda: any(m.get("links") for m in chat(url, QUESTION, 20))  # noqa: E731
            figures["action worker: knowledge answer after (s)"] = until(answered, 120, start)
        time.sleep(SETTLE_S)
        stack.wait_healthy(timeout_s=300)
    figures["fallback while Rasa down, 3 chats (s; -1: no fallback)"] = latencies
    done = "kill -9 of Rasa, then of the action worker; 3 chats while Rasa is down"
    return row("Recovery per server", done, figures, [], "each back alone; fallback in < 1 s")


def submitter(
    url: str, stop: threading.Event, acks: list[tuple[str, str]], fails: Counter[str]
) -> None:
    """Submit the /support form until ``stop``, as a browser does; keep the numbers given."""
    with httpx.Client(base_url=url, timeout=15) as client:
        while not stop.is_set():
            uid = uuid.uuid4().hex[:12]
            fields = {"email": f"probe.k.{uid}@exemple.fr", "description": f"Sonde {uid} : panne."}
            try:
                response, number = submit(client, **fields)
            except httpx.HTTPError as exc:
                fails[type(exc).__name__] += 1
                time.sleep(0.3)
                continue
            acks.append((number, uid)) if number else fails.update([f"HTTP {response.status_code}"])


def probe_tickets(stack: Stack, db: Path) -> Row:
    """KILL_CLIENTS clients submit the form while the web app is killed WEB_KILLS times."""
    acks, fails, stop, back = list[tuple[str, str]](), Counter[str](), threading.Event(), []
    with ThreadPoolExecutor(KILL_CLIENTS) as pool:
        pool.map(lambda _: submitter(stack.url, stop, acks, fails), range(KILL_CLIENTS))
        try:
            for _ in range(WEB_KILLS):
                time.sleep(KILL_GAP_S)
                start = time.monotonic()
                os.kill(pid_of(stack, "web"), signal.SIGKILL)
                time.sleep(1)  # its port is closed: /health answers again from its successor
                back.append(until(lambda: healthy(stack.url), 180, start))
            time.sleep(KILL_GAP_S)
        finally:
            stop.set()
    time.sleep(SETTLE_S)
    stack.wait_healthy(timeout_s=300)
    tickets = db_tickets(db)
    mine = {n: text for _, n, email, text in tickets if email.startswith("probe.k.")}
    years = {number[4:8]: [int(n[9:]) for _, n, _, _ in tickets if n[4:8] == number[4:8]]
             for _, number, _, _ in tickets}  # fmt: skip
    acked = Counter(number for number, _ in acks)
    repeated = sum(acked.values()) - len(acked) + len(tickets) - len({t[1] for t in tickets})
    figures = {
        "web app: /health 200 after each kill (s)": back,
        "acknowledged (303 + number)": len(acks), "stored": len(mine),
        "acknowledged but missing": sum(uid not in mine.get(n, "") for n, uid in acks),
        "duplicates of one number": repeated,
        "gaps in the numbering": sum(max(v) - min(v) + 1 - len(set(v)) for v in years.values()),
        "stored, reply lost": len(mine) - len(acked), "refused or cut": dict(fails),
    }  # fmt: skip
    zero = ["acknowledged but missing", "duplicates of one number", "gaps in the numbering"]
    done = f"{KILL_CLIENTS} clients submit /support; web app kill -9 ×{WEB_KILLS}; count in DB"
    return row("Tickets under kills", done, figures, zero, "0 missing, 0 duplicates, 0 gaps")


def converse(url: str) -> tuple[str, list[str], int, list[str] | None]:
    """(session id, texts answered, replies naming another id, history texts or None if 5xx)."""
    session_id, key, answered, wrong = f"x-{uuid.uuid4().hex}", "", [], 0
    with httpx.Client(base_url=url, timeout=120) as client:
        for n in range(MESSAGES):  # unique texts naming their conversation
            body = {"session_id": session_id, "message": f"bonjour test-{session_id}-{n}"}
            with suppress(httpx.HTTPError):  # counted as not answered
                reply = client.post("/api/chat", json=body, headers={KEY_HEADER: key})
                if reply.status_code == 200:
                    key = key or reply.json().get("conversation_key") or ""
                    answered.append(body["message"])
                    wrong += reply.json()["session_id"] != session_id
        for _ in range(10):  # the web app may be restarting
            with suppress(httpx.HTTPError, ValueError):
                read = client.get(f"/api/chat/{session_id}/history", headers={KEY_HEADER: key})
                if read.status_code < 500:  # 403: its key was lost with its first reply
                    turns = read.json().get("turns", [])
                    return session_id, answered, wrong, [turn["user_text"] for turn in turns]
            time.sleep(30)
    return session_id, answered, wrong, None


def probe_crosstalk(stack: Stack, _db: Path) -> Row:
    with ThreadPoolExecutor(SENDERS) as pool:
        results = list(pool.map(converse, [stack.url] * SENDERS))
    replies, seen = sum(len(r[1]) for r in results), {r[0]: r[3] for r in results}
    foreign = {r[0]: [t for t in r[3] or [] if r[0] not in t] for r in results}
    missing = {r[0]: [t for t in r[1] if r[3] is not None and t not in r[3]] for r in results}
    figures = {
        "replies checked": replies, "not answered (error, 4xx, 5xx)": SENDERS * MESSAGES - replies,
        "reply naming another session": sum(r[2] for r in results),
        "histories unreadable": sum(history is None for history in seen.values()),
        "foreign turns in a history": sum(map(len, foreign.values())),
        "answered, not in history": sum(map(len, missing.values())),
        "cases": {s: (foreign[s], missing[s], seen[s]) for s in seen if foreign[s] or missing[s]},
    }  # fmt: skip
    zero = [name for name in figures if "checked" not in name and name != "cases"]
    done = f"{SENDERS} concurrent conversations × {MESSAGES} unique messages, then each history"
    return row("Cross-talk", done, figures, zero, "0 crossings")


def unescaped(page: str) -> int:
    """Payloads found raw in ``page``, and what would run: an inline script calling alert(, a
    handler in a tag, a javascript: URL (quoted values blanked: an escaped one has no quote)."""
    raw = sum(str(escape(p)) != p and p in page for p in PAYLOADS)
    blank = re.sub(r'="[^"]*"', '=""', page)
    runs = len(re.findall(r"<script[^>]*>[^<]*alert\(|<[a-z][^<>]*\son[a-z]+\s*=", blank, re.I))
    urls = re.findall(r"\b(?:href|src|action|data|content)\s*=\s*[\"']?\s*javascript:", page, re.I)
    return raw + runs + len(urls) + page.count(PRODUCT)


def widget_dialogs(url: str, session_id: str, key: str) -> int:
    """Dialogs opened in Chromium by the widget showing the conversation back (its history)."""
    from playwright.sync_api import sync_playwright

    dialogs: list[str] = []
    store = {"claude-widget:session": session_id, "claude-widget:key": f"{session_id} {key}"}
    origin = {"origin": url, "localStorage": [dict(name=n, value=v) for n, v in store.items()]}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(storage_state={"cookies": [], "origins": [origin]})
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url, wait_until="load")
        page.wait_for_timeout(4000)  # the widget reads the history and renders it
        browser.close()
    return len(dialogs)


def probe_xss(stack: Stack, db: Path) -> Row:
    url, session_id, key = stack.url, f"probe-xss-{uuid.uuid4().hex[:10]}", ""
    pages, numbers = [], []
    for payload in PAYLOADS:
        body, headers = {"session_id": session_id, "message": payload}, {KEY_HEADER: key}
        reply = httpx.post(f"{url}/api/chat", json=body, headers=headers, timeout=60).json()
        key = key or reply["conversation_key"]
    history = httpx.get(f"{url}/api/chat/{session_id}/history", headers={KEY_HEADER: key})
    with httpx.Client(base_url=url, timeout=30) as client:
        email, text = "probe.xss@exemple.fr", "Sonde XSS : la conversation est jointe."
        attach = {"session_id": session_id, "conversation_key": key}
        numbers.append(submit(client, email=email, description=text, **attach)[1])
        for i, payload in enumerate(PAYLOADS):
            numbers.append(submit(client, email=email, description=f"Sonde XSS {i} : {payload}")[1])
            echo, _ = submit(client, email="pas-une-adresse", description=payload * 2)
            pages.append(echo.text)  # the form sent back with its error (422)
    ids = {number: ticket_id for ticket_id, number, _, _ in db_tickets(db)}
    ticket_ids = [ids[number] for number in numbers if number in ids]
    with closing(login(url)) as console:
        pages += [console.get(f"/console/tickets/{ticket_id}").text for ticket_id in ticket_ids]
        pages += [console.get("/console/tickets", params={"q": p}).text for p in PAYLOADS]
    figures = {
        "payloads": len(PAYLOADS), "chat turns stored": len(history.json()["turns"]),
        "tickets stored": len(ticket_ids), "HTML pages checked": len(pages),
        "history served as": history.headers.get("content-type", ""),
        "unescaped in HTML": sum(unescaped(page) for page in pages),
        "dialogs in Chromium (widget)": widget_dialogs(url, session_id, key),
    }  # fmt: skip
    done = "payloads as chat turns and /support texts; console, queue search, 422 echo, widget"
    return row("XSS", done, figures, ["unescaped in HTML", "dialogs in Chromium (widget)"], "0")


def probe_access(stack: Stack, db: Path) -> Row:
    """A logged-in user's private conversation against an anonymous caller and another user."""
    (mine, theirs), url = DEMO_ACCOUNTS, stack.url
    owner, other = login(url, mine.email, mine.password), login(url, theirs.email, theirs.password)
    anonymous, session_id = httpx.Client(base_url=url, timeout=60), f"probe-p-{uuid.uuid4().hex}"
    body = {"session_id": session_id, "message": "où en sont mes formulaires ?"}
    first = owner.post("/api/chat", json=body).json()
    key, history = first["conversation_key"], f"/api/chat/{session_id}/history"
    message, wrong = {**body, "message": "et alors ?"}, {KEY_HEADER: "x" * 43}
    rating = {"session_id": session_id, "turn_id": first["turn_id"], "value": "negative"}
    calls = [anonymous.get(history), anonymous.get(history, headers=wrong), other.get(history),
             anonymous.post("/api/chat", json=message), other.post("/api/chat", json=message),
             anonymous.post("/api/chat", json=message, headers=wrong),
             anonymous.post("/api/chat/feedback", json=rating)]  # fmt: skip
    leaks = sum(response.status_code != 403 for response in calls)
    shared = other.get(history, headers={KEY_HEADER: key})  # a shared browser: turn withheld
    leaks += shared.status_code != 200 or shared.json()["turns"] != []
    text, numbers = "Je voudrais voir l'échange joint à ma demande.", []
    for client, with_key in ((anonymous, ""), (anonymous, key), (other, key)):
        attach = {"session_id": session_id, "conversation_key": with_key}
        numbers.append(submit(client, email="curieux@exemple.fr", description=text, **attach)[1])
    ids = {number: ticket_id for ticket_id, number, _, _ in db_tickets(db)}
    with closing(login(url)) as console:
        for number in numbers:
            ticket = console.get(f"/api/agent/tickets/{ids.get(number or '', 0)}").json()
            private = AMOUNT_RE.search(json.dumps(ticket, ensure_ascii=False))
            attached = [m for m in ticket.get("messages", []) if m["in_transcript"]]
            leaks += "number" not in ticket or bool(attached) or bool(private)
    cookie = owner.cookies["cpp_session"]
    owner_reads = owner.get(history, headers={KEY_HEADER: key})
    owner.post("/api/auth/logout")
    leaks += httpx.get(f"{url}/api/auth/me", cookies={"cpp_session": cookie}).status_code != 401
    figures = {
        "private reply has amounts": bool(AMOUNT_RE.search(json.dumps(first, ensure_ascii=False))),
        "owner reads it back": len(owner_reads.json()["turns"]) == 1,
        "attempts": len(calls) + 1 + len(numbers) + 1, "leaks": leaks,
    }  # fmt: skip
    done = "no key, wrong key, other user (even with the key), /support ×3, cookie after logout"
    return row("Conversation access", done, figures, ["leaks"], "every attempt refused or empty")


def probe_fuzz() -> Row:
    """The API fuzzing test, run once: its size from the test file, its time and result."""
    source = (REPO_ROOT / "tests" / "api_fuzz" / "test_openapi.py").read_text()
    examples = re.search(r"^MAX_EXAMPLES = (\d+)", source, re.MULTILINE)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/api_fuzz"]
    start = time.monotonic()
    run = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    summary = (run.stdout.strip().splitlines() or [run.stderr[-200:]])[-1].strip("= ")
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (passed|failed|error)", summary)}
    figures = {
        "operations (tests ÷ 2: anonymous, agent)": sum(counts.values()) // 2,
        "generated examples per operation": int(examples.group(1)) if examples else None,
        "result": summary, "seconds": round(time.monotonic() - start),
        "failed": counts.get("failed", 0) + counts.get("error", 0) + (run.returncode != 0),
    }  # fmt: skip
    done = "schemathesis on the OpenAPI schema: no 5xx, documented status codes and bodies"
    return row("API fuzzing", done, figures, ["failed"], "0 failed")


def run_on_stack(probes: list[Probe], db: Path, env: dict[str, str]) -> list[Row]:
    """``probes`` run on a fresh stack, each with the web app's restarts for stalls (must be 0)."""
    rows, workdir = [], Path(tempfile.mkdtemp(dir=db.parent))
    with running_stack(workdir, WEB_PORT, RASA_PORT, ACTIONS_PORT, env) as stack:
        for probe in probes:
            print(f"probe: {probe.__name__}…", flush=True)
            stack.wait_healthy(timeout_s=300)
            before = (workdir / "runner.log").read_text().count(UNANSWERED)
            try:
                rows.append(probe(stack, db))
            except Exception as exc:  # report it and go on with the next probe
                rows.append(row(probe.__name__, "crashed", {"error": repr(exc)}, ["error"], ""))
            restarts = (workdir / "runner.log").read_text().count(UNANSWERED) - before
            rows[-1]["figures"]["web app restarted for not answering"] = restarts
            rows[-1]["failed"] += ["web app restarted for not answering"] if restarts else []
    return rows


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="security-probe-") as tmp:
        db = Path(tmp) / "probe.db"
        env = {f"ASSISTANT_{name}": "100000" for name in LIMITS}
        env |= {"ASSISTANT_DATABASE_URL": f"sqlite:///{db}", "ASSISTANT_ENVIRONMENT": "test"}
        rows = run_on_stack([probe_crosstalk, probe_access, probe_xss], db, env)
        rows += run_on_stack([probe_recovery, probe_tickets], db, env)  # restarts: a fresh budget
    print("probe: probe_fuzz…", flush=True)
    rows.append(probe_fuzz())
    lines = ["| probe | what was done | figures | expected |", "|---|---|---|---|"]
    for r in rows:
        figures = "; ".join(f"{name}: {value}" for name, value in r["figures"].items())
        failed = f" — **FAILED: {', '.join(r['failed'])}**" if r["failed"] else ""
        lines.append(f"| {r['probe']} | {r['done']} | {figures} | {r['expected']}{failed} |")
    minutes = round((time.monotonic() - started) / 60, 1)
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(json.dumps({"minutes": minutes, "rows": rows}, indent=2, ensure_ascii=False))
    print("\n".join(["", *lines, "", f"({minutes} min; JSON in {OUTPUT.relative_to(REPO_ROOT)})"]))
    return 1 if any(r["failed"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
