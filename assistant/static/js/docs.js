/*
 * Documentation pages (/docs): progressive enhancement only, every page works without it.
 *  - « Poser ma question à Claude » (Besoin d'aide ?): shown when the chat widget is on the
 *    page, opens it (window.ClaudeWidget.open, from /static/widget/claude-widget.js).
 *  - Heading links (a.docs-anchor): the link still goes to the section; it also copies the
 *    section's address to the clipboard and says so in a polite live region.
 *  - Side menu of a long guide: marks the section being read with aria-current="true".
 */
(function () {
  "use strict";

  function widget() {
    var api = window.ClaudeWidget;
    return api && typeof api.open === "function" ? api : null;
  }

  function setUpHelp() {
    var buttons = document.querySelectorAll("[data-docs-open-assistant]");
    Array.prototype.forEach.call(buttons, function (button) {
      if (!widget()) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        var api = widget();
        if (api) { api.open(); }
      });
    });
  }

  function announce(message) {
    var status = document.querySelector("[data-docs-copy-status]");
    if (!status) { return; }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function setUpCopyLinks() {
    var links = document.querySelectorAll("a[data-docs-copy-link]");
    if (!links.length || !navigator.clipboard || !window.isSecureContext) { return; }
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function () {
        var url = window.location.origin + window.location.pathname + link.getAttribute("href");
        var heading = link.parentNode.querySelector("h2, h3, h4");
        var title = heading ? heading.textContent.trim() : "";
        navigator.clipboard.writeText(url).then(function () {
          link.classList.add("docs-anchor--copied");
          window.setTimeout(function () { link.classList.remove("docs-anchor--copied"); }, 2000);
          announce("Lien de la section « " + title + " » copié dans le presse-papiers.");
        }, function () { /* the link still took the reader to the section */ });
      });
    });
  }

  function setUpSideMenu() {
    var menuLinks = Array.prototype.slice.call(
      document.querySelectorAll(".docs-sidemenu .fr-sidemenu__link"));
    var headings = menuLinks.map(function (link) {
      return document.getElementById(link.getAttribute("href").slice(1));
    });
    if (!menuLinks.length || headings.indexOf(null) !== -1) { return; }
    var scheduled = false;

    // The section being read: the last heading above a line at a quarter of the window;
    // at the very bottom of the page, the section the address points to (the last
    // sections cannot scroll up to that line).
    function current() {
      var atBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
      var hash = window.location.hash.slice(1);
      if (atBottom && hash) {
        for (var h = 0; h < headings.length; h += 1) {
          if (headings[h].id === hash) { return h; }
        }
      }
      var line = Math.min(window.innerHeight / 4, 200);
      var found = 0;
      headings.forEach(function (heading, index) {
        if (heading.getBoundingClientRect().top <= line) { found = index; }
      });
      return found;
    }

    var scroller = document.querySelector(".docs-sidemenu .fr-sidemenu__inner");
    var marked = -1;

    // Keep the marked entry within the menu's own scrolling box (long guides), without
    // scrolling the page.
    function reveal(link) {
      if (!scroller || scroller.scrollHeight <= scroller.clientHeight) { return; }
      var box = scroller.getBoundingClientRect();
      var item = link.getBoundingClientRect();
      if (item.top < box.top || item.bottom > box.bottom) {
        scroller.scrollTop += item.top - box.top - box.height / 3;
      }
    }

    function mark() {
      scheduled = false;
      var index = current();
      if (index === marked) { return; }
      marked = index;
      menuLinks.forEach(function (link, i) {
        if (i === index) { link.setAttribute("aria-current", "true"); }
        else { link.removeAttribute("aria-current"); }
      });
      reveal(menuLinks[index]);
    }

    function schedule() {
      if (!scheduled) { scheduled = true; window.requestAnimationFrame(mark); }
    }

    window.addEventListener("scroll", schedule, { passive: true });
    window.addEventListener("hashchange", schedule);
    mark();
  }

  function start() {
    setUpHelp();
    setUpCopyLinks();
    setUpSideMenu();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
