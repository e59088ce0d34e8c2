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
 *           data-offset-bottom="5rem" data-offset-right="1rem"  (optional: move the launcher
 *                                                    off the page's own controls; px, rem, em)
 *   ></script>
 *
 * Host page API: ClaudeWidget.open(), .close(), .clear(), and .logout(), to call when the
 * user logs out: the conversation (it may show their forms, tickets and amounts) leaves the
 * page and this browser, and a new one starts.
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
    clearQuestion:
      "Effacer la conversation ? Elle sera supprimée définitivement de nos serveurs.",
    clearYes: "Effacer",
    eraseError: "La conversation n'a pas pu être effacée.",
    eraseRetry: "Veuillez réessayer dans quelques instants.",
    loggedOut:
      "Vous êtes déconnecté : la conversation précédente a été effacée de ce navigateur.",
    clearNo: "Annuler",
    suggestions: "Questions suggérées",
    sourcePrefix: "Source : ",
    answeredQuestion: "Réponse à la question : ",
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
      "Bonjour, je suis Claude, l'assistant virtuel de Chorus Portal Pro. Posez votre " +
      "question, ou choisissez-en une :",
    unavailable:
      "L'assistant est momentanément indisponible. Vous pouvez consulter la documentation ou " +
      "écrire à nos équipes par le formulaire « support ».",
    error: "Votre message n'a pas pu être envoyé. Veuillez réessayer.",
    historyError: "L'historique de la conversation n'a pas pu être chargé.",
  };

  // ---- suggested questions, by page (the only place they are listed) ---------------------
  // The first row whose pattern matches the page (data-page, else the address) gives the
  // questions offered when a conversation opens: [question of the FAQ, its entry id]. A
  // click asks for that entry directly, as a « Vouliez-vous dire… » button does.
  var SUGGESTIONS = [
    [/support|\baide\b/i, [
      ["Comment contacter le support de Chorus Portal Pro ?", "aide-contacter-support"],
      ["Quelles informations donner dans le formulaire « support » ?", "aide-remplir-support"],
      ["Quels sont les horaires du support ?", "aide-horaires-support"],
      ["Que se passe-t-il après l'envoi de ma demande au support ?", "aide-apres-envoi-ticket"],
    ]],
    [/m[eé]moire|justice/i, [
      ["Qui peut déposer un mémoire de frais de justice sur le portail ?", "memoires-qui-est-concerne"],
      ["Quelles pièces justificatives joindre à mon mémoire ?", "memoires-pieces-jointes"],
      ["Sous quel délai mon mémoire sera-t-il payé ?", "memoires-delai-paiement"],
      ["Mon mémoire a été refusé : que dois-je faire ?", "memoires-refuse"],
    ]],
    [/\btic\b|ticgn|carburant/i, [
      ["Qui peut demander le remboursement de la TIC/TICGN sur le portail ?", "tic-ticgn-beneficiaires"],
      ["Quels documents préparer pour ma demande de remboursement TIC/TICGN ?", "tic-ticgn-pieces"],
      ["Jusqu'à quand puis-je déposer ma demande de remboursement TIC/TICGN ?", "tic-ticgn-delai-depot"],
      ["Combien vais-je être remboursé par litre de gazole non routier ?", "tic-ticgn-montant"],
    ]],
    [/compte|connexion|inscription/i, [
      ["Comment créer un compte sur Chorus Portal Pro ?", "comptes-creer-compte"],
      ["Peut-on créer un compte sans numéro SIRET ?", "comptes-sans-siret"],
      ["J'ai oublié mon mot de passe : comment le réinitialiser ?", "comptes-mot-de-passe-oublie"],
      ["Je n'ai pas reçu le courriel d'activation de mon compte : que faire ?", "comptes-lien-activation"],
    ]],
    [/suivi|paiement|statut/i, [
      ["Comment suivre le traitement d'un formulaire après l'avoir transmis ?", "suivi-suivre-formulaire"],
      ["Mon formulaire a été rejeté : que faire ?", "suivi-statut-rejete"],
      ["Mon formulaire n'avance pas depuis longtemps : que faire ?", "suivi-traitement-long"],
      ["Comment demander à l'assistant où en est mon formulaire ?", "suivi-statut-via-assistant"],
    ]],
    [/factur|r[eé]forme/i, [
      ["Qui est concerné par l'obligation de facturation électronique vers la sphère publique ?", "facturation-qui-est-concerne"],
      ["Quel est le calendrier de passage à la facture électronique selon la taille de l'entreprise ?", "facturation-calendrier"],
      ["Puis-je déposer mes factures de fournisseur sur Chorus Portal Pro ?", "portail-factures-fournisseurs"],
      ["Quelle est la différence entre Chorus Portal Pro, Chorus Pro et Chorus Factures ?", "portail-difference-chorus-pro"],
    ]],
    [/.*/, [
      ["Qu'est-ce que Chorus Portal Pro ?", "portail-presentation"],
      ["Le portail Chorus Portal Pro est-il payant ?", "portail-gratuit"],
      ["Comment créer un compte sur Chorus Portal Pro ?", "comptes-creer-compte"],
      ["Comment suivre le traitement d'un formulaire après l'avoir transmis ?", "suivi-suivre-formulaire"],
    ]],
  ];
  var SUGGESTION_PAYLOAD = '/ask_question{"kb_entry_id":"%s"}';

  /** Every suggestion's title by its payload (the history shows the question asked). */
  function suggestionTitles() {
    var titles = {};
    SUGGESTIONS.forEach(function (row) {
      row[1].forEach(function (entry) { titles[SUGGESTION_PAYLOAD.replace("%s", entry[1])] = entry[0]; });
    });
    return titles;
  }

  /** The suggested questions for ``page``, as quick-reply buttons. */
  function suggestionsFor(page) {
    var row = SUGGESTIONS.filter(function (r) { return r[0].test(page); })[0];
    return row[1].map(function (entry) {
      return { title: entry[0], payload: SUGGESTION_PAYLOAD.replace("%s", entry[1]) };
    });
  }

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
  var OFFSET_LENGTH = /^\d{1,4}(\.\d{1,2})?(px|rem|em)$/;
  /** A launcher offset set by the host page (data-offset-bottom / -right), "" if none. */
  function offsetSetting(name) {
    var value = (script.getAttribute(name) || "").trim();
    return OFFSET_LENGTH.test(value) ? value : "";
  }
  var offsetBottom = offsetSetting("data-offset-bottom");
  var offsetRight = offsetSetting("data-offset-right");
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
    stopLive();  // the old conversation's live stream
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
  if (offsetBottom) { root.style.setProperty("--claude-offset-bottom", offsetBottom); }
  if (offsetRight) { root.style.setProperty("--claude-offset-right", offsetRight); }
  // Room at the end of the host page, so that its last controls can scroll clear of the
  // launcher (it is as high as the launcher and its offset).
  var spacer = el("div", "claude-w-spacer");
  spacer.setAttribute("aria-hidden", "true");
  if (offsetBottom) { spacer.style.setProperty("--claude-offset-bottom", offsetBottom); }

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

  // « Effacer » asks first, inside the widget (DSFR buttons, no browser dialog).
  var confirmBox = el("div", "claude-w__confirm");
  confirmBox.setAttribute("role", "group");
  confirmBox.setAttribute("aria-labelledby", "claude-w-confirm-text");
  confirmBox.hidden = true;
  var confirmText = el("p", "claude-w__confirm-text", TEXTS.clearQuestion);
  confirmText.id = "claude-w-confirm-text";
  var confirmButtons = el("div", "claude-w__confirm-buttons");
  var confirmYes = el("button", "fr-btn fr-btn--sm claude-w__confirm-yes", TEXTS.clearYes);
  confirmYes.type = "button";
  var confirmNo = el("button", "fr-btn fr-btn--sm fr-btn--secondary claude-w__confirm-no", TEXTS.clearNo);
  confirmNo.type = "button";
  confirmButtons.appendChild(confirmYes);
  confirmButtons.appendChild(confirmNo);
  confirmBox.appendChild(confirmText);
  confirmBox.appendChild(confirmButtons);

  panel.appendChild(header);
  panel.appendChild(confirmBox);
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

  // ---- reading flow: where the log scrolls, the source line, lists ------------------------
  var REVEAL_MARGIN_PX = 8;
  var latestAnswer = null;  // the first message of the latest answer

  /** Scroll the log so that ``item`` starts at its top: a long answer is read from its
   * beginning; a short one simply ends up at the bottom. */
  function revealStart(item) {
    if (!item || !log.contains(item)) { scrollToEnd(); return; }
    var offset = item.getBoundingClientRect().top - log.getBoundingClientRect().top;
    log.scrollTop += offset - REVEAL_MARGIN_PX;
  }

  var SOURCE_LINE = /^\s*Source\s*:\s*(.+?)\s*$/;
  var LIST_ITEM = /^\s*(?:([-•])|(\d{1,2})[.)])\s+(.*)$/;

  function squash(text) {
    return String(text || "").replace(/\s+/g, " ").trim();
  }

  /** ``text`` without its last line « Source : X — Y » when one of ``links`` shows that
   * source (it is then shown once, as that link), and the source's title ("" if none). */
  function splitSource(text, links) {
    var lines = String(text || "").split("\n");
    var last = lines.length - 1;
    while (last >= 0 && !lines[last].trim()) { last -= 1; }
    var match = last >= 0 ? SOURCE_LINE.exec(lines[last]) : null;
    var title = match ? squash(match[1]) : "";
    var linked = title && (links || []).some(function (link) {
      return squash(link.title) === title && safeHref(link.url);
    });
    if (!linked) { return { text: String(text || ""), source: "" }; }
    return { text: lines.slice(0, last).join("\n").replace(/\s+$/, ""), source: title };
  }

  /** Group ``text``'s lines into paragraphs and lists (« - », « • », « 1. » lines). */
  function textBlocks(text) {
    var blocks = [];
    String(text).split("\n").forEach(function (line) {
      var match = LIST_ITEM.exec(line);
      var kind = match ? (match[1] ? "ul" : "ol") : "p";
      var current = blocks[blocks.length - 1];
      if (!current || current.kind !== kind) {
        current = { kind: kind, lines: [], start: match && match[2] ? Number(match[2]) : 1 };
        blocks.push(current);
      }
      current.lines.push(match ? match[3] : line);
    });
    return blocks;
  }

  /** Append ``text`` to ``item``: lists become <ul>/<ol>, every piece is inserted with
   * textContent (nothing in a message is ever parsed as HTML). */
  function renderText(item, text) {
    var blocks = textBlocks(text);
    if (blocks.length === 1 && blocks[0].kind === "p") {
      item.appendChild(el("p", "claude-w__text", text));
      return;
    }
    var box = el("div", "claude-w__text claude-w__rich");
    blocks.forEach(function (block) {
      if (block.kind === "p") {
        var paragraph = block.lines.join("\n").trim();
        if (paragraph) { box.appendChild(el("p", "claude-w__para", paragraph)); }
        return;
      }
      var list = el(block.kind, "claude-w__list");
      if (block.kind === "ol" && block.start !== 1) { list.start = block.start; }
      block.lines.forEach(function (line) { list.appendChild(el("li", null, line)); });
      box.appendChild(list);
    });
    item.appendChild(box);
  }

  function renderUser(text) {
    var item = el("div", "claude-w__msg claude-w__msg--user");
    item.appendChild(el("span", "claude-w__sr", TEXTS.you + " : "));
    item.appendChild(el("p", "claude-w__text", text));
    log.appendChild(item);
    scrollToEnd();
  }

  function renderLinks(item, links, source) {
    if (!links || !links.length) { return; }
    var list = el("ul", "claude-w__links");
    links.forEach(function (link) {
      var entry = el("li");
      var href = safeHref(link.url);
      if (href && source && squash(link.title) === source) {
        entry.className = "claude-w__source";
        entry.appendChild(document.createTextNode(TEXTS.sourcePrefix));
        source = "";  // once
      }
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
    dropSuggestions();
    Array.prototype.forEach.call(log.querySelectorAll(".claude-w__choice"), function (b) {
      b.disabled = true;
    });
  }

  function renderBot(message, live) {
    var author = message.author === "agent" ? TEXTS.agent : TEXTS.bot;
    var item = el("div", "claude-w__msg claude-w__msg--bot" + (message.author === "agent" ? " claude-w__msg--agent" : ""));
    item.appendChild(el("span", "claude-w__author", author + " :"));
    if (message.question) {
      // The FAQ entry's own question: a « Oui » reads against the question it answers.
      item.appendChild(el("p", "claude-w__answered", TEXTS.answeredQuestion + "« " + message.question + " »"));
    }
    var shown = splitSource(message.text, message.links);
    if (shown.text) {
      renderText(item, shown.text);
    }
    renderLinks(item, message.links, shown.source);
    renderButtons(item, message.buttons, live);
    log.appendChild(item);
    revealStart(item);
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

  /** Render a turn's messages; feedback is asked under its knowledge-base answer only (not
   * under a clarification, a « merci » or a form step), and the log shows its start. */
  function renderTurn(messages, turnId, feedback, live) {
    var first = null;
    var answer = null;
    (messages || []).filter(firstShowing).forEach(function (message) {
      var item = renderBot(message, live);
      first = first || item;
      if (message.kind === "knowledge_answer") { answer = item; }
    });
    if (answer) { renderFeedback(answer, turnId, feedback); }
    if (first) {
      latestAnswer = first;
      revealStart(first);
    }
  }

  /** A short greeting and the questions suggested for this page. */
  function renderIntro() {
    var item = renderBot({ text: TEXTS.intro, links: [], buttons: suggestionsFor(pageName) }, true);
    item.classList.add("claude-w__intro");
    var group = item.querySelector(".claude-w__choices");
    group.classList.add("claude-w__suggestions");
    group.setAttribute("aria-label", TEXTS.suggestions);
  }

  /** The suggestions go once the conversation has begun. */
  function dropSuggestions() {
    Array.prototype.forEach.call(log.querySelectorAll(".claude-w__suggestions"), function (g) {
      g.parentNode.removeChild(g);
    });
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
    var epoch = conversationEpoch;
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
          if (epoch !== conversationEpoch) { return null; }  // cleared or logged out meanwhile
          if (data.conversation_key) {
            writeStore("localStorage", STORAGE_KEY, sessionId + " " + data.conversation_key);
            startLive();
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
        var offered = suggestionTitles();  // payload -> title of the previous turn's buttons
        if (turns.length) { dropSuggestions(); }
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
    clearUnread();
    writeStore("sessionStorage", STORAGE_OPEN, "1");
    syncModal();
    revealStart(latestAnswer);
    if (focusInput !== false) { input.focus(); }
  }

  function close() {
    if (panel.hidden) { return; }
    panel.hidden = true;
    hideClearConfirm(false);
    root.classList.remove("claude-w--open");
    launcher.setAttribute("aria-expanded", "false");
    writeStore("sessionStorage", STORAGE_OPEN, null);
    syncModal();
    var target = returnFocus && document.contains(returnFocus) ? returnFocus : launcher;
    target.focus();
  }

  var conversationEpoch = 0;  // a reply that arrives after a reset is dropped

  /** Detach the conversation from this page and this browser for good (a new id, no key:
   * the old one cannot be read from here again) and start a new one. */
  function resetConversation(notice) {
    conversationEpoch += 1;
    newConversation();
    latestAnswer = null;
    // The live line (agents' replies, unread count, announcements) belonged to the old one.
    if (typeof stopLive === "function") { stopLive(); }
    if (typeof clearUnread === "function") { clearUnread(); }
    if (typeof announcer !== "undefined" && announcer) { announcer.textContent = ""; }
    while (log.firstChild) { log.removeChild(log.firstChild); }
    renderNotice(notice, false);
    renderIntro();
  }

  function clear() {
    hideClearConfirm(false);
    resetConversation(TEXTS.clearConfirm);
    input.focus();
  }

  /** « Effacer » confirmed: erase the conversation on the server first (its messages, the
   * assistant's record of it, the copies held by support tickets), then detach it here. A
   * conversation never opened (no key yet) or unknown there has nothing to erase. On failure
   * the conversation stays, with the server's French reason (else an invitation to try
   * again). */
  var erasing = false;
  function eraseAndClear() {
    if (erasing) { return; }
    if (!conversationKey()) { clear(); return; }
    erasing = true;
    confirmYes.disabled = true;
    var epoch = conversationEpoch;
    function done() { erasing = false; confirmYes.disabled = false; }
    function failed(detail) {
      done();
      if (epoch !== conversationEpoch) { return; }
      hideClearConfirm(false);
      renderNotice(TEXTS.eraseError + " " + (detail || TEXTS.eraseRetry), false);
    }
    request("/api/chat/" + encodeURIComponent(sessionId), { method: "DELETE" }).then(
      function (response) {
        if (response.ok || response.status === 404) {
          done();
          if (epoch === conversationEpoch) { clear(); }
          return null;
        }
        return response.json().then(
          function (body) { failed(body && body.detail ? String(body.detail) : ""); },
          function () { failed(""); }
        );
      },
      function () { failed(""); }
    );
  }

  function askClearConfirm() {
    confirmBox.hidden = false;
    confirmNo.focus();
  }

  function hideClearConfirm(refocus) {
    if (confirmBox.hidden) { return; }
    confirmBox.hidden = true;
    if (refocus) { clearButton.focus(); }
  }

  /** The host page's user logged out: what the conversation showed them goes. */
  function logout() {
    identityToken = "";
    hideClearConfirm(false);
    resetConversation(TEXTS.loggedOut);
  }

  // ---- phones and small windows: the full-screen panel is a modal dialog -----------------
  // Same media query as the stylesheet's full-screen rules (claude-widget.css).
  var FULLSCREEN_MEDIA = "(max-width: 36em), (max-height: 32em)";
  var fullscreen = window.matchMedia ? window.matchMedia(FULLSCREEN_MEDIA) : null;
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex='-1'])";

  function isModal() {
    return !panel.hidden && Boolean(fullscreen && fullscreen.matches);
  }

  function syncModal() {
    panel.setAttribute("aria-modal", isModal() ? "true" : "false");
  }

  function focusableInPanel() {
    return Array.prototype.filter.call(panel.querySelectorAll(FOCUSABLE), function (node) {
      return node.getClientRects().length > 0;
    });
  }

  /** Tab and Shift+Tab cycle inside the modal panel. */
  function trapFocus(event) {
    if (event.key !== "Tab" || !isModal()) { return; }
    var items = focusableInPanel();
    if (!items.length) { return; }
    var first = items[0];
    var last = items[items.length - 1];
    var active = document.activeElement;
    if (!panel.contains(active) || (event.shiftKey ? active === first : active === last)) {
      event.preventDefault();
      (event.shiftKey ? last : first).focus();
    }
  }

  // ---- the launcher never hides the page's own controls ------------------------------------
  var LAUNCHER_CLEARANCE_PX = 8;

  /** A page control that gets the focus under the launcher is scrolled above it. */
  function keepClearOfLauncher(event) {
    var target = event.target;
    if (!target || !target.getBoundingClientRect || root.contains(target)) { return; }
    window.requestAnimationFrame(function () {
      var box = target.getBoundingClientRect();
      var cover = launcher.getBoundingClientRect();
      var overlaps = cover.width > 0 && box.bottom > cover.top && box.top < cover.bottom &&
        box.right > cover.left && box.left < cover.right;
      if (overlaps) { window.scrollBy(0, box.bottom - cover.top + LAUNCHER_CLEARANCE_PX); }
    });
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) { open(); } else { close(); }
  });
  closeButton.addEventListener("click", close);
  clearButton.addEventListener("click", askClearConfirm);
  confirmYes.addEventListener("click", eraseAndClear);
  confirmNo.addEventListener("click", function () { hideClearConfirm(true); });
  document.addEventListener("keydown", trapFocus);
  document.addEventListener("focusin", keepClearOfLauncher);
  if (fullscreen) {
    if (fullscreen.addEventListener) { fullscreen.addEventListener("change", syncModal); }
    else if (fullscreen.addListener) { fullscreen.addListener(syncModal); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") { return; }
    var active = document.activeElement;
    if (!panel.hidden && (root.contains(active) || active === document.body || !active)) {
      event.preventDefault();
      if (!confirmBox.hidden) { hideClearConfirm(true); return; }
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

  // ---- live line: agents' replies as they are written, the exchange with the support team --
  // GET /api/chat/{id}/events is read with fetch (not EventSource) so that the conversation
  // key travels in its header, never in an address that logs would keep.
  var LIVE_RETRY_MS = 2000;
  var LIVE_RETRY_MAX_MS = 60000;
  var LIVE_TEXTS = {
    banner: "Vous échangez avec l'équipe support",
    bannerTicket: " (demande %s) : vos messages lui sont transmis.",
    back: "Revenir à l'assistant",
    backDone: "Vos prochains messages seront adressés à l'assistant Claude.",
    backError: "Le retour à l'assistant n'a pas pu être enregistré. Veuillez réessayer.",
    placeholder: "Votre réponse à l'équipe support…",
    unreadOne: "1 nouveau message de l'équipe support",
    unreadMany: "%s nouveaux messages de l'équipe support",
    announce: "Nouveau message de l'équipe support : ",
  };
  var liveStream = null;  // { session, controller, delay, timer, stopped }
  var shownAgentIds = {};
  var unread = 0;
  var basePlaceholder = input.placeholder;

  var unreadBadge = el("span", "claude-w__badge");
  unreadBadge.setAttribute("aria-hidden", "true");
  unreadBadge.hidden = true;
  launcher.appendChild(unreadBadge);
  // The launcher keeps its name; the unread count is its description.
  var unreadText = el("span", "claude-w__sr", "");
  unreadText.id = "claude-w-unread";
  root.appendChild(unreadText);
  // Announces agents' replies while the panel (and its live log) is closed.
  var announcer = el("div", "claude-w__sr");
  announcer.setAttribute("role", "status");
  announcer.setAttribute("aria-live", "polite");
  root.appendChild(announcer);

  var supportBanner = el("div", "claude-w__support");
  supportBanner.setAttribute("role", "status");
  supportBanner.hidden = true;
  var supportText = el("p", "claude-w__support-text", "");
  var backButton = el("button", "fr-btn fr-btn--secondary fr-btn--sm claude-w__support-back", LIVE_TEXTS.back);
  backButton.type = "button";
  supportBanner.appendChild(supportText);
  supportBanner.appendChild(backButton);
  panel.insertBefore(supportBanner, log);

  /** False for an agent's reply already shown (two deliveries that raced); marks it shown. */
  function firstShowing(message) {
    var id = message && message.agent_message_id;
    if (!id) { return true; }
    if (shownAgentIds[id]) { return false; }
    shownAgentIds[id] = true;
    return true;
  }

  function showUnread() {
    unreadBadge.hidden = unread === 0;
    unreadBadge.textContent = unread > 9 ? "9+" : String(unread);
    unreadText.textContent = unread === 1 ? LIVE_TEXTS.unreadOne
      : unread ? LIVE_TEXTS.unreadMany.replace("%s", unread) : "";
    if (unread) { launcher.setAttribute("aria-describedby", unreadText.id); } else { launcher.removeAttribute("aria-describedby"); }
    root.setAttribute("data-unread", String(unread));
  }

  function clearUnread() {
    unread = 0;
    showUnread();
  }

  function showSupport(state) {
    var active = !!(state && state.active);
    supportBanner.hidden = !active;
    root.setAttribute("data-support", active ? "active" : "");
    supportText.textContent = active
      ? LIVE_TEXTS.banner + (state.ticket ? LIVE_TEXTS.bannerTicket.replace("%s", state.ticket) : ".")
      : "";
    input.placeholder = active ? LIVE_TEXTS.placeholder : basePlaceholder;
  }

  function showLiveReplies(messages) {
    var fresh = (messages || []).filter(function (m) {
      return !(m.agent_message_id && shownAgentIds[m.agent_message_id]);
    });
    if (!fresh.length) { return; }
    renderTurn(fresh, null, null, false);
    if (panel.hidden) {
      unread += fresh.length;
      showUnread();
      announcer.textContent = LIVE_TEXTS.announce + fresh[fresh.length - 1].text;
    }
  }

  function dispatchLive(type, data) {
    var payload;
    try { payload = JSON.parse(data); } catch (e) { return; }
    root.setAttribute("data-live", "open");  // the stream answered (tests wait for it)
    if (type === "agent_reply") { showLiveReplies(payload.messages); }
    if (type === "support") { showSupport(payload); }
  }

  /** One event block of the stream (comments, the keep-alives, are skipped). */
  function handleBlock(block) {
    var type = "message";
    var data = [];
    block.split(/\r\n|\r|\n/).forEach(function (line) {
      if (!line || line.charAt(0) === ":") { return; }
      var colon = line.indexOf(":");
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") { type = value; }
      if (field === "data") { data.push(value); }
    });
    if (data.length) { dispatchLive(type, data.join("\n")); }
  }

  function readLive(state, reader) {
    var decoder = new TextDecoder();
    var buffer = "";
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done || liveStream !== state) { return undefined; }
        buffer += decoder.decode(chunk.value, { stream: true });
        var blocks = buffer.split(/\r\n\r\n|\r\r|\n\n/);
        buffer = blocks.pop();
        blocks.forEach(handleBlock);
        return pump();
      });
    }
    return pump();
  }

  function connectLive(state) {
    var headers = { Accept: "text/event-stream", "X-Conversation-Key": conversationKey() };
    if (identityToken) { headers["X-Identity-Token"] = identityToken; }
    fetch(apiBase + "/api/chat/" + encodeURIComponent(state.session) + "/events", {
      headers: headers,
      cache: "no-store",
      credentials: apiOrigin === window.location.origin ? "same-origin" : "include",
      signal: state.controller.signal,
    })
      .then(function (response) {
        if (response.status === 403 || response.status === 422) { state.stopped = true; return undefined; }
        if (!response.ok || !response.body) { return undefined; }
        state.delay = LIVE_RETRY_MS;
        return readLive(state, response.body.getReader());
      })
      .catch(function () { return undefined; })  // network down, or stopped
      .then(function () {
        if (state.stopped || liveStream !== state) { return; }
        state.timer = setTimeout(function () { connectLive(state); }, state.delay);
        state.delay = Math.min(state.delay * 2, LIVE_RETRY_MAX_MS);
      });
  }

  /** Listen to the conversation's live stream (once it has a key; again after a clear). */
  function startLive() {
    if (liveStream && liveStream.session === sessionId) { return; }
    stopLive();
    if (!conversationKey() || !window.fetch || !window.TextDecoder || !window.AbortController) { return; }
    liveStream = {
      session: sessionId, controller: new AbortController(), delay: LIVE_RETRY_MS, timer: null, stopped: false,
    };
    connectLive(liveStream);
  }

  function stopLive() {
    if (liveStream) {
      liveStream.stopped = true;
      clearTimeout(liveStream.timer);
      liveStream.controller.abort();
      liveStream = null;
    }
    showSupport(null);
  }

  backButton.addEventListener("click", function () {
    backButton.disabled = true;
    request("/api/chat/" + encodeURIComponent(sessionId) + "/support/leave", { method: "POST" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        showSupport(null);
        renderNotice(LIVE_TEXTS.backDone, false);
      })
      .catch(function () { renderNotice(LIVE_TEXTS.backError, false); })
      .finally(function () { backButton.disabled = false; input.focus(); });
  });

  function mount() {
    document.body.appendChild(spacer);
    document.body.appendChild(root);
    loadHistory().then(startLive);
    if (readStore("sessionStorage", STORAGE_OPEN) === "1") { open(false); }
  }

  window.ClaudeWidget = {
    open: function () { open(); },
    close: close,
    clear: clear,
    logout: logout,
    sessionId: function () { return sessionId; },
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
