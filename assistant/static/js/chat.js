// Minimal hand-testing chat page: every text is inserted as text, never as HTML.
(function () {
  "use strict";
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const key = "claude-session-id";
  let sessionId = sessionStorage.getItem(key);
  if (!sessionId) {
    sessionId = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^A-Za-z0-9-]/g, "");
    sessionStorage.setItem(key, sessionId);
  }

  function safeUrl(url) {
    try {
      const u = new URL(url, window.location.origin);
      return u.origin === window.location.origin ? u.href : null;
    } catch (e) { return null; }
  }

  function addMessage(who, msg) {
    const div = document.createElement("div");
    div.className = "msg msg-" + who;
    const p = document.createElement("p");
    p.style.margin = "0";
    p.textContent = msg.text || "";
    div.appendChild(p);
    if (msg.links && msg.links.length) {
      const ul = document.createElement("ul");
      msg.links.forEach(function (link) {
        const href = safeUrl(link.url);
        const li = document.createElement("li");
        if (href) {
          const a = document.createElement("a");
          a.href = href;
          a.textContent = link.title;
          li.appendChild(a);
        } else {
          li.textContent = link.title;
        }
        ul.appendChild(li);
      });
      div.appendChild(ul);
    }
    (msg.buttons || []).forEach(function (b) {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      btn.addEventListener("click", function () { send(b.payload, b.title); });
      div.appendChild(btn);
    });
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  }

  async function send(message, shown) {
    addMessage("user", { text: shown || message });
    try {
      const res = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ session_id: sessionId, message: message, page: window.location.pathname }),
      });
      const data = await res.json();
      if (!res.ok) { addMessage("bot", { text: data.detail || "Erreur." }); return; }
      data.messages.forEach(function (m) { addMessage("bot", m); });
    } catch (e) {
      addMessage("bot", { text: "L'assistant est momentanément indisponible. Vous pouvez utiliser le formulaire « support ».", links: [{ title: "Formulaire « support »", url: "/support" }] });
    }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });
})();
