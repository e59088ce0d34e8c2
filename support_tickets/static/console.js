/* The agents' console, progressive enhancement (every page works without it):
   - the queue's filters apply as soon as one changes;
   - « Tout sélectionner » for the bulk actions;
   - « Insérer » puts a knowledge-base answer and its link into the reply;
   - the queue and the ticket page refresh when /console/api/version changes. */
(function () {
  "use strict";

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

  function hasDraft() {
    return Array.prototype.some.call(document.querySelectorAll("textarea"), function (area) {
      return area.value !== area.defaultValue;
    }) || Array.prototype.some.call(rowBoxes(), function (box) { return box.checked; });
  }

  function announce(text) {
    var notice = document.getElementById("console-refresh-notice");
    if (notice) { notice.hidden = false; notice.textContent = text; }
  }

  function refreshQueue(region) {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var next = fresh.getElementById(region.id);
        var total = fresh.querySelector("[data-console-total]");
        if (!next) { return; }
        region.innerHTML = next.innerHTML;
        region.setAttribute("data-version", next.getAttribute("data-version") || "");
        var shown = document.querySelector("[data-console-total]");
        if (shown && total) { shown.textContent = total.textContent; }
        selectAll();
      });
  }

  function poll(region) {
    var url = region.getAttribute("data-console-refresh");
    var seconds = parseInt(region.getAttribute("data-interval") || "15", 10);
    var busy = false;
    window.setInterval(function () {
      if (busy || document.hidden) { return; }
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || !data.version || data.version === region.getAttribute("data-version")) { return null; }
          if (hasDraft()) {
            announce("Du nouveau sur cette page : actualisez-la une fois votre saisie envoyée.");
            return null;
          }
          if (region.getAttribute("data-reload") === "page") { window.location.reload(); return null; }
          return refreshQueue(region);
        })
        .catch(function () { return null; })
        .then(function () { busy = false; });
    }, Math.max(seconds, 5) * 1000);
  }

  autosubmit();
  selectAll();
  suggestions();
  document.querySelectorAll("[data-console-refresh]").forEach(poll);
}());
