/* The agents' console, progressive enhancement (every page works without it):
   - the queue's filters apply as soon as one changes;
   - « Tout sélectionner » for the bulk actions;
   - « Insérer » puts a knowledge-base answer and its link into the reply;
   - the queue and the ticket page update themselves in place when they change: they follow
     their server-sent events (data-console-live, /console/api/events) while the tab is
     visible, or poll /console/api/version (data-console-refresh) without EventSource. */
(function () {
  "use strict";

  var RETRY_MS = 5000;  // a page's fetch that failed (network) is tried again after this

  function autosubmit() {
    document.querySelectorAll("form[data-console-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function (event) {
        if (event.target && event.target.tagName === "SELECT") {
          if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
        }
      });
    });
  }

  function rowBoxes() {
    return document.querySelectorAll("input[name='ticket_ids']");
  }

  function selectAll() {
    var all = document.querySelector("[data-console-select-all]");
    if (!all) { return; }
    all.hidden = false;
    all.addEventListener("change", function () {
      rowBoxes().forEach(function (box) { box.checked = all.checked; });
    });
  }

  function insertInto(textarea, text) {
    var current = textarea.value;
    var start = typeof textarea.selectionStart === "number" ? textarea.selectionStart : current.length;
    var end = typeof textarea.selectionEnd === "number" ? textarea.selectionEnd : current.length;
    if (document.activeElement !== textarea) { start = end = current.length; }
    var before = current.slice(0, start).replace(/\s+$/, "");
    var after = current.slice(end).replace(/^\s+/, "");
    var joined = (before ? before + "\n\n" : "") + text + (after ? "\n\n" + after : "");
    textarea.value = joined;
    var caret = (before ? before.length + 2 : 0) + text.length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function suggestions() {
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("[data-console-insert]") : null;
      if (!link) { return; }
      var textarea = document.getElementById(link.getAttribute("data-console-target") || "");
      if (!textarea) { return; }
      event.preventDefault();
      insertInto(textarea, link.getAttribute("data-console-insert") || "");
    });
  }

  /* ---- live refresh ------------------------------------------------------------------ */

  function announce(text) {
    var notice = document.getElementById("console-refresh-notice");
    if (notice) { notice.textContent = text; }
  }

  function fetchPage() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { return html ? new DOMParser().parseFromString(html, "text/html") : null; });
  }

  function edited(field) {
    if (field.tagName === "SELECT") {
      var initial = Array.prototype.findIndex.call(field.options, function (o) { return o.defaultSelected; });
      return field.selectedIndex !== Math.max(initial, 0);
    }
    if (field.type === "checkbox" || field.type === "radio") { return field.checked !== field.defaultChecked; }
    return field.value !== field.defaultValue;
  }

  // Whether the agent is using a region: focus in it, or a field changed and not sent.
  function inUse(region) {
    return region.contains(document.activeElement) ||
      Array.prototype.some.call(region.querySelectorAll("input, select, textarea"), edited);
  }

  // Messages only come after one another: add those not shown yet (the whole thread again if
  // the order changed, after a merge). Returns the nodes added.
  function appendMessages(region, next) {
    var shown = {};
    Array.prototype.forEach.call(region.children, function (node) { if (node.id) { shown[node.id] = true; } });
    var fresh = Array.prototype.slice.call(next.children);
    var added = fresh.filter(function (node) { return node.id && !shown[node.id]; });
    var inOrder = Array.prototype.every.call(region.children, function (node, i) {
      return node.id && fresh[i] && fresh[i].id === node.id;
    });
    if (!inOrder) { region.innerHTML = next.innerHTML; return added; }
    added.forEach(function (node) {
      node.classList.add("console-msg--fresh");
      region.appendChild(node);
    });
    return added;
  }

  function updateTicket(fresh) {
    var added = [];
    var waiting = false;
    document.querySelectorAll("[data-console-region]").forEach(function (region) {
      var next = fresh.getElementById(region.id);
      var mode = region.getAttribute("data-console-region");
      if (!next) { return; }
      if (mode === "append") {
        added = added.concat(appendMessages(region, next));
      } else if (mode === "replace" ? !region.contains(document.activeElement) : !inUse(region)) {
        region.innerHTML = next.innerHTML;
      } else if (mode === "idle") {
        waiting = true;  // the agent is writing there: leave it as it is
      }
    });
    var fromUser = added.filter(function (node) { return node.classList.contains("console-msg--user"); });
    var text = fromUser.length ? "Nouveau message de l'usager." : (added.length ? "Nouveau message sur ce ticket." : "Ticket mis à jour.");
    if (waiting) { text += " Les actions du ticket seront à jour une fois votre saisie envoyée ou la page actualisée."; }
    announce(text);
  }

  function marked(region) {
    return Array.prototype.map.call(region.querySelectorAll(".console-new-message"), function (badge) {
      var link = badge.parentNode.querySelector("a");
      return link ? link.textContent.trim() : "";
    });
  }

  // The queue's table again, with the same tickets selected.
  function updateQueue(region, fresh) {
    var next = fresh.getElementById(region.id);
    if (!next) { return; }
    var before = marked(region);
    var selected = Array.prototype.filter.call(rowBoxes(), function (box) { return box.checked; })
      .map(function (box) { return box.value; });
    region.innerHTML = next.innerHTML;
    rowBoxes().forEach(function (box) { box.checked = selected.indexOf(box.value) !== -1; });
    var total = fresh.querySelector("[data-console-total]");
    var shown = document.querySelector("[data-console-total]");
    if (shown && total) { shown.textContent = total.textContent; }
    selectAll();
    var news = marked(region).filter(function (number) { return before.indexOf(number) === -1; });
    if (news.length) { announce("Nouveau message de l'usager : " + news.join(", ") + "."); }
  }

  // Fetch the page again when its version is not the one shown; one fetch at a time, one more
  // if a newer version came meanwhile, and again a little later if the network failed.
  function refresher(watched) {
    var wanted = null;
    var busy = false;
    function run() {
      if (busy || !wanted || wanted === watched.getAttribute("data-version")) { return; }
      var version = wanted;
      busy = true;
      wanted = null;
      fetchPage().then(function (fresh) {
        busy = false;
        var next = fresh && fresh.getElementById(watched.id);
        if (next) {
          if (watched.id === "console-queue") { updateQueue(watched, fresh); } else { updateTicket(fresh); }
          watched.setAttribute("data-version", next.getAttribute("data-version") || "");
        }
        run();
      }, function () {
        busy = false;
        wanted = wanted || version;
        window.setTimeout(run, RETRY_MS);
      });
    }
    return function (version) { wanted = version; run(); };
  }

  function poll(watched, onVersion) {
    var url = watched.getAttribute("data-console-refresh");
    var seconds = parseInt(watched.getAttribute("data-interval") || "15", 10);
    window.setInterval(function () {
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && data.version) { onVersion(data.version); } })
        .catch(function () { return null; });
    }, Math.max(seconds, 5) * 1000);
  }

  // The stream is open while the tab is visible only: browsers allow few connections to a
  // site at once, and the stream says the current version as soon as it opens again.
  function follow(watched, onVersion) {
    var source = null;
    function open() {
      if (source || document.hidden) { return; }
      source = new EventSource(watched.getAttribute("data-console-live"));
      source.addEventListener("version", function (event) {
        try { onVersion(JSON.parse(event.data).version); } catch (ignored) { /* not JSON */ }
      });
      source.addEventListener("error", function () {
        if (source && source.readyState === EventSource.CLOSED) {  // refused: poll instead
          source = null;
          document.removeEventListener("visibilitychange", toggle);
          poll(watched, onVersion);
        }
      });
    }
    function toggle() {
      if (!document.hidden) { open(); } else if (source) { source.close(); source = null; }
    }
    document.addEventListener("visibilitychange", toggle);
    open();
  }

  function live(watched) {
    var onVersion = refresher(watched);
    if (window.EventSource && watched.getAttribute("data-console-live")) {
      follow(watched, onVersion);
    } else {
      poll(watched, onVersion);
    }
  }

  autosubmit();
  selectAll();
  suggestions();
  document.querySelectorAll("[data-console-refresh]").forEach(live);
}());
