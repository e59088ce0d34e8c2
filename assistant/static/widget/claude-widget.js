/*
 * « Claude », the virtual assistant of Chorus Portal Pro: an embeddable chat widget.
 *
 * Embedding (one stylesheet and one script tag, no framework):
 *   <link rel="stylesheet" href="https://assistant.example/static/widget/claude-widget.css">
 *   <script src="https://assistant.example/static/widget/claude-widget.js" defer
 *           data-api-base="https://assistant.example"   (default: the script's origin)
 *           data-identity-token="…"                      (optional: signed identity of the user)
 *           data-page="Accueil"                          (the host page's name)
 *           data-allowed-domains="www.economie.gouv.fr"  (optional: extra clickable domains)
 *   ></script>
 *
 * Safety: every text (user, bot, agent) is inserted with textContent, never parsed as HTML;
 * only links to the portal's own /docs and /support pages, or to allow-listed HTTPS domains,
 * become clickable.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.ClaudeWidget) {
    return;
  }

  var STORAGE_SESSION = "claude-widget:session";
  var STORAGE_OPEN = "claude-widget:open";
  // "<session id> <key>": the conversation key the server gave with the first reply; it must
  // come back with every later request of that conversation (X-Conversation-Key).
  var STORAGE_KEY = "claude-widget:key";
  var FEEDBACK_PAYLOAD = '/feedback{"feedback_value":"%s"}';
  var REQUEST_TIMEOUT_MS = 30000;
  var OWN_PATHS = /^\/(docs|support)(\/|#|\?|$)/;

  var TEXTS = {
    launcher: "Poser une question à Claude, l'assistant virtuel",
    title: "Claude, assistant virtuel",
    subtitle: "Chorus Portal Pro",
    close: "Fermer l'assistant",
    clear: "Effacer la conversation",
    clearConfirm: "La conversation a été effacée.",
    documentation: "Documentation",
    support: "support",
    inputLabel: "Votre message",
    placeholder: "Posez votre question…",
    send: "Envoyer",
    typing: "Claude rédige sa réponse…",
    you: "Vous",
    bot: "Claude",
    agent: "Conseiller",
    useful: "Cette réponse vous a-t-elle aidé ?",
    thumbUp: "Oui, cette réponse m'a aidé",
    thumbDown: "Non, cette réponse ne m'a pas aidé",
    thanks: "Merci pour votre avis.",
    sorry:
      "Désolé que cette réponse ne vous ait pas aidé. Vous pouvez reformuler votre question " +
      "ou écrire à nos équipes par le formulaire « support ».",
    supportLink: "Formulaire « support »",
    intro:
      "Bonjour, je suis Claude, l'assistant virtuel de Chorus Portal Pro. Je réponds à vos " +
      "questions sur le portail : mémoires de frais de justice, remboursement de la TIC/TICGN, " +
      "facturation électronique, comptes et suivi de vos formulaires. Je vous indique la page " +
      "de la documentation qui détaille chaque réponse et, si vous êtes connecté, où en sont " +
      "vos formulaires. Si je ne sais pas répondre, je transmets votre demande à nos équipes.",
    unavailable:
      "L'assistant est momentanément indisponible. Vous pouvez consulter la documentation ou " +
      "écrire à nos équipes par le formulaire « support ».",
    error: "Votre message n'a pas pu être envoyé. Veuillez réessayer.",
    historyError: "L'historique de la conversation n'a pas pu être chargé.",
  };

  // ---- configuration --------------------------------------------------------------------
  function scriptOrigin() {
    try {
      return new URL(script.src, window.location.href).origin;
    } catch (e) {
      return window.location.origin;
    }
  }

  var apiBase = (script.getAttribute("data-api-base") || scriptOrigin()).replace(/\/+$/, "");
  var apiOrigin;
  try {
    apiOrigin = new URL(apiBase || window.location.origin, window.location.href).origin;
  } catch (e) {
    apiOrigin = window.location.origin;
  }
  var identityToken = script.getAttribute("data-identity-token") || "";
  var pageName = (script.getAttribute("data-page") || window.location.pathname).slice(0, 200);
  var allowedDomains = (script.getAttribute("data-allowed-domains") || "")
    .split(",")
    .map(function (d) { return d.trim().toLowerCase(); })
    .filter(Boolean);
  var docsUrl = apiOrigin + "/docs";
  var supportUrl = apiOrigin + "/support";

  // ---- storage (private browsing may refuse it: the widget still works) -----------------
  function readStore(store, key) {
    try { return window[store].getItem(key); } catch (e) { return null; }
  }
  function writeStore(store, key, value) {
    try {
      if (value === null) { window[store].removeItem(key); } else { window[store].setItem(key, value); }
    } catch (e) { /* storage unavailable: state lasts for this page only */ }
  }

  function newSessionId() {
    var raw = window.crypto && window.crypto.randomUUID
      ? window.crypto.randomUUID()
      : String(Date.now()) + "-" + String(Math.random()).slice(2);
    return "w-" + raw.replace(/[^A-Za-z0-9-]/g, "");
  }

  var sessionId = readStore("localStorage", STORAGE_SESSION);
  if (!sessionId || !/^[A-Za-z0-9_.:-]{8,128}$/.test(sessionId)) {
    sessionId = newSessionId();
    writeStore("localStorage", STORAGE_SESSION, sessionId);
  }

  /** The key of the current conversation ("" before its first reply). */
  function conversationKey() {
    var stored = readStore("localStorage", STORAGE_KEY) || "";
    var space = stored.indexOf(" ");
    return space > 0 && stored.slice(0, space) === sessionId ? stored.slice(space + 1) : "";
  }

  /** Start a new conversation: a new id, no key yet. */
  function newConversation() {
    sessionId = newSessionId();
    writeStore("localStorage", STORAGE_SESSION, sessionId);
    writeStore("localStorage", STORAGE_KEY, null);
  }

  /** The support form's address, carrying this conversation (with its key) and page. The
   * fragment never reaches a server or its logs; the form's script reads it. */
  function supportHref() {
    var fragment = "session_id=" + encodeURIComponent(sessionId) +
      "&page=" + encodeURIComponent(pageName);
    var key = conversationKey();
    if (key) { fragment += "&key=" + encodeURIComponent(key); }
    return supportUrl + "#" + fragment;
  }

  // ---- safe links -------------------------------------------------------------------------
  /** The absolute URL to use for ``url`` if it may be clickable, else null. */
  function safeHref(url) {
    var parsed;
    try {
      parsed = new URL(String(url), apiOrigin + "/");
    } catch (e) {
      return null;
    }
    if (parsed.origin === apiOrigin && OWN_PATHS.test(parsed.pathname + parsed.hash)) {
      // The support form attaches this conversation to the ticket: nothing to repeat.
      return parsed.pathname === "/support" && !parsed.search ? supportHref() : parsed.href;
    }
    if (parsed.protocol === "https:" && allowedDomains.indexOf(parsed.hostname.toLowerCase()) !== -1) {
      return parsed.href;
    }
    return null;
  }

  // ---- DOM helpers (text only) ----------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function iconButton(className, label, icon) {
    var button = el("button", "fr-btn fr-btn--tertiary-no-outline fr-btn--sm " + icon + " " + className, label);
    button.type = "button";
    button.title = label;
    return button;
  }

  // ---- the widget's markup ----------------------------------------------------------------
  var root = el("div", "claude-w");
  root.setAttribute("data-claude-widget", "");

  var launcher = el("button", "claude-w__launcher fr-btn fr-icon-chat-3-line fr-btn--icon-left", "Claude");
  launcher.type = "button";
  launcher.setAttribute("aria-label", TEXTS.launcher);
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "claude-w-panel");

  var panel = el("section", "claude-w__panel");
  panel.id = "claude-w-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");
  panel.setAttribute("aria-labelledby", "claude-w-title");
  panel.hidden = true;

  var header = el("div", "claude-w__header");
  var titles = el("div", "claude-w__titles");
  var title = el("h2", "claude-w__title", TEXTS.title);
  title.id = "claude-w-title";
  titles.appendChild(title);
  titles.appendChild(el("p", "claude-w__subtitle", TEXTS.subtitle));
  var clearButton = iconButton("claude-w__clear", TEXTS.clear, "fr-icon-delete-bin-line");
  var closeButton = iconButton("claude-w__close", TEXTS.close, "fr-icon-close-line");
  header.appendChild(titles);
  header.appendChild(clearButton);
  header.appendChild(closeButton);

  var shortcuts = el("nav", "claude-w__shortcuts");
  shortcuts.setAttribute("aria-label", "Aide de l'assistant");
  var docsLink = el("a", "fr-link fr-link--sm fr-icon-book-2-line fr-link--icon-left", TEXTS.documentation);
  docsLink.href = docsUrl;
  var supportLinkNode = el("a", "fr-link fr-link--sm fr-icon-question-answer-line fr-link--icon-left", TEXTS.support);
  supportLinkNode.href = supportHref();
  // The session changes when the conversation is cleared: refresh the address before use.
  ["focus", "mouseover", "click"].forEach(function (type) {
    supportLinkNode.addEventListener(type, function () { supportLinkNode.href = supportHref(); });
  });
  shortcuts.appendChild(docsLink);
  shortcuts.appendChild(supportLinkNode);

  var log = el("div", "claude-w__log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-relevant", "additions");
  log.setAttribute("aria-label", "Conversation avec Claude");
  log.tabIndex = 0;

  var typing = el("div", "claude-w__typing");
  typing.setAttribute("role", "status");
  typing.hidden = true;
  var dots = el("span", "claude-w__dots");
  dots.setAttribute("aria-hidden", "true");
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  typing.appendChild(dots);
  var typingText = el("span", "claude-w__typing-text", "");
  typing.appendChild(typingText);

  var form = el("form", "claude-w__form");
  form.noValidate = true;
  var label = el("label", "fr-label claude-w__sr", TEXTS.inputLabel);
  label.htmlFor = "claude-w-input";
  var input = el("input", "fr-input claude-w__input");
  input.id = "claude-w-input";
  input.name = "message";
  input.type = "text";
  input.autocomplete = "off";
  input.maxLength = 2000;
  input.placeholder = TEXTS.placeholder;
  var sendButton = el("button", "fr-btn fr-icon-send-plane-fill claude-w__send", TEXTS.send);
  sendButton.type = "submit";
  sendButton.title = TEXTS.send;
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(sendButton);

  panel.appendChild(header);
  panel.appendChild(shortcuts);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  // ---- rendering ----------------------------------------------------------------------------
  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function renderUser(text) {
    var item = el("div", "claude-w__msg claude-w__msg--user");
    item.appendChild(el("span", "claude-w__sr", TEXTS.you + " : "));
    item.appendChild(el("p", "claude-w__text", text));
    log.appendChild(item);
    scrollToEnd();
  }

  function renderLinks(item, links) {
    if (!links || !links.length) { return; }
    var list = el("ul", "claude-w__links");
    links.forEach(function (link) {
      var entry = el("li");
      var href = safeHref(link.url);
      if (href) {
        var anchor = el("a", "fr-link fr-link--sm", link.title || link.url);
        anchor.href = href;
        if (new URL(href).origin !== window.location.origin) {
          anchor.target = "_blank";
          anchor.rel = "noopener noreferrer";
          anchor.title = (link.title || link.url) + " (nouvelle fenêtre)";
        }
        entry.appendChild(anchor);
      } else {
        entry.textContent = link.title || "";
      }
      list.appendChild(entry);
    });
    item.appendChild(list);
  }

  function renderButtons(item, buttons, live) {
    if (!buttons || !buttons.length) { return; }
    var group = el("div", "claude-w__choices");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Réponses proposées");
    buttons.forEach(function (choice) {
      var button = el("button", "fr-btn fr-btn--secondary fr-btn--sm claude-w__choice", choice.title);
      button.type = "button";
      button.disabled = !live;
      button.addEventListener("click", function () {
        disableChoices();
        input.focus();  // the chosen button is disabled: keep the focus in the widget
        send(choice.payload, choice.title);
      });
      group.appendChild(button);
    });
    item.appendChild(group);
  }

  function disableChoices() {
    Array.prototype.forEach.call(log.querySelectorAll(".claude-w__choice"), function (b) {
      b.disabled = true;
    });
  }

  function renderBot(message, live) {
    var author = message.author === "agent" ? TEXTS.agent : TEXTS.bot;
    var item = el("div", "claude-w__msg claude-w__msg--bot" + (message.author === "agent" ? " claude-w__msg--agent" : ""));
    item.appendChild(el("span", "claude-w__author", author + " :"));
    if (message.text) {
      item.appendChild(el("p", "claude-w__text", message.text));
    }
    renderLinks(item, message.links);
    renderButtons(item, message.buttons, live);
    log.appendChild(item);
    scrollToEnd();
    return item;
  }

  function renderFeedback(item, turnId, current) {
    if (!turnId) { return; }
    var box = el("div", "claude-w__feedback");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", TEXTS.useful);
    box.appendChild(el("span", "claude-w__feedback-label", TEXTS.useful));
    var up = iconButton("claude-w__thumb claude-w__thumb--up", TEXTS.thumbUp, "fr-icon-thumb-up-line");
    var down = iconButton("claude-w__thumb claude-w__thumb--down", TEXTS.thumbDown, "fr-icon-thumb-down-line");
    function show(value) {
      up.setAttribute("aria-pressed", value === "positive" ? "true" : "false");
      down.setAttribute("aria-pressed", value === "negative" ? "true" : "false");
    }
    show(current);
    up.addEventListener("click", function () { giveFeedback(turnId, "positive", show); });
    down.addEventListener("click", function () { giveFeedback(turnId, "negative", show); });
    box.appendChild(up);
    box.appendChild(down);
    item.appendChild(box);
  }

  function renderTurn(messages, turnId, feedback, live) {
    var last = null;
    (messages || []).forEach(function (message) { last = renderBot(message, live); });
    if (last) { renderFeedback(last, turnId, feedback); }
  }

  function renderIntro() {
    renderBot({ text: TEXTS.intro, links: [], buttons: [] }, false);
  }

  function renderNotice(text, withLinks) {
    renderBot({
      text: text,
      links: withLinks ? [
        { title: TEXTS.documentation, url: "/docs" },
        { title: TEXTS.supportLink, url: "/support" },
      ] : [],
      buttons: [],
    }, false);
  }

  // ---- network --------------------------------------------------------------------------------
  function request(path, options) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    var init = {
      method: options.method || "GET",
      headers: { Accept: "application/json" },
      credentials: apiOrigin === window.location.origin ? "same-origin" : "include",
    };
    var key = conversationKey();
    if (key) { init.headers["X-Conversation-Key"] = key; }
    if (identityToken) { init.headers["X-Identity-Token"] = identityToken; }
    if (options.body) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    if (controller) { init.signal = controller.signal; }
    return fetch(apiBase + path, init).finally(function () {
      if (timer) { clearTimeout(timer); }
    });
  }

  function detailOf(response) {
    return response.json().then(
      function (body) { return (body && body.detail) || TEXTS.error; },
      function () { return TEXTS.error; }
    );
  }

  var pending = 0;
  function setWaiting(waiting) {
    pending += waiting ? 1 : -1;
    var busy = pending > 0;
    typing.hidden = !busy;
    typingText.textContent = busy ? TEXTS.typing : "";
    log.setAttribute("aria-busy", busy ? "true" : "false");
    sendButton.disabled = busy;
  }

  function chatBody(message) {
    var body = { session_id: sessionId, message: message, page: pageName };
    if (identityToken) { body.identity_token = identityToken; }
    return body;
  }

  /** Send ``message`` to the assistant; ``shown`` is what the user sees (null: nothing). */
  function send(message, shown, retried) {
    if (shown !== null && !retried) { renderUser(shown === undefined ? message : shown); }
    setWaiting(true);
    return request("/api/chat", { method: "POST", body: chatBody(message) })
      .then(function (response) {
        if (response.status === 403 && !retried) {
          // This browser no longer holds the conversation's key: start a new one, once.
          newConversation();
          setWaiting(false);
          return send(message, shown, true).finally(function () { setWaiting(true); });
        }
        if (!response.ok) {
          return detailOf(response).then(function (detail) { renderNotice(detail, false); return null; });
        }
        return response.json().then(function (data) {
          if (data.conversation_key) {
            writeStore("localStorage", STORAGE_KEY, sessionId + " " + data.conversation_key);
          }
          renderTurn(data.messages, shown === null ? null : data.turn_id, null, true);
          return data;
        });
      })
      .catch(function () {
        renderNotice(TEXTS.unavailable, true);
        return null;
      })
      .finally(function () { setWaiting(false); });
  }

  function giveFeedback(turnId, value, show) {
    show(value);
    request("/api/chat/feedback", {
      method: "POST",
      body: { session_id: sessionId, turn_id: turnId, value: value },
    }).catch(function () { return null; });
    send(FEEDBACK_PAYLOAD.replace("%s", value), null).then(function (data) {
      if (value !== "negative") { return; }
      var offered = data && (data.messages || []).some(function (m) {
        return (m.links || []).some(function (l) { return /\/support(\/|\?|#|$)/.test(l.url); });
      });
      if (!offered) { renderNotice(TEXTS.sorry, true); }
    });
  }

  function loadHistory() {
    renderIntro();
    root.setAttribute("data-history", "loading");
    log.setAttribute("aria-busy", "true");
    return request("/api/chat/" + encodeURIComponent(sessionId) + "/history", {})
      .then(function (response) {
        if (response.status === 403) { newConversation(); return null; }
        if (!response.ok) { return null; }
        return response.json();
      })
      .then(function (data) {
        var turns = (data && data.turns) || [];
        var offered = {};  // payload -> title of the buttons of the previous turn
        turns.forEach(function (turn, index) {
          var text = turn.user_text || "";
          var isPayload = text.charAt(0) === "/";
          if (!isPayload) {
            renderUser(text);
          } else if (Object.prototype.hasOwnProperty.call(offered, text)) {
            renderUser(offered[text]);
          }
          var silent = isPayload && text.indexOf("/feedback") === 0;
          renderTurn(turn.messages, silent ? null : turn.turn_id, turn.feedback, index === turns.length - 1);
          offered = {};
          (turn.messages || []).forEach(function (m) {
            (m.buttons || []).forEach(function (b) { offered[b.payload] = b.title; });
          });
        });
      })
      .catch(function () { renderNotice(TEXTS.historyError, false); })
      .finally(function () {
        root.setAttribute("data-history", "ready");
        log.setAttribute("aria-busy", pending > 0 ? "true" : "false");
      });
  }

  // ---- opening, closing, clearing ---------------------------------------------------------------
  var returnFocus = null;

  function open(focusInput) {
    if (!panel.hidden) { if (focusInput !== false) { input.focus(); } return; }
    returnFocus = document.activeElement && document.activeElement !== document.body
      ? document.activeElement : launcher;
    panel.hidden = false;
    root.classList.add("claude-w--open");
    launcher.setAttribute("aria-expanded", "true");
    writeStore("sessionStorage", STORAGE_OPEN, "1");
    scrollToEnd();
    if (focusInput !== false) { input.focus(); }
  }

  function close() {
    if (panel.hidden) { return; }
    panel.hidden = true;
    root.classList.remove("claude-w--open");
    launcher.setAttribute("aria-expanded", "false");
    writeStore("sessionStorage", STORAGE_OPEN, null);
    var target = returnFocus && document.contains(returnFocus) ? returnFocus : launcher;
    target.focus();
  }

  function clear() {
    newConversation();
    while (log.firstChild) { log.removeChild(log.firstChild); }
    renderIntro();
    renderNotice(TEXTS.clearConfirm, false);
    input.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) { open(); } else { close(); }
  });
  closeButton.addEventListener("click", close);
  clearButton.addEventListener("click", clear);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") { return; }
    var active = document.activeElement;
    if (!panel.hidden && (root.contains(active) || active === document.body || !active)) {
      event.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || pending > 0) { return; }
    input.value = "";
    disableChoices();
    send(text);
  });

  function mount() {
    document.body.appendChild(root);
    loadHistory();
    if (readStore("sessionStorage", STORAGE_OPEN) === "1") { open(false); }
  }

  window.ClaudeWidget = {
    open: function () { open(); },
    close: close,
    clear: clear,
    sessionId: function () { return sessionId; },
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
