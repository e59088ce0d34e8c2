// Demo portal page: the login box (POST /api/auth/login, GET /api/auth/me, POST
// /api/auth/logout) and the button that opens the assistant. Texts are inserted as text only.
(function () {
  "use strict";
  var form = document.getElementById("login-form");
  var done = document.getElementById("login-done");
  var message = document.getElementById("login-message");
  var welcome = document.getElementById("login-welcome");
  var logout = document.getElementById("logout-button");
  var openClaude = document.getElementById("ouvrir-claude");

  function showMessage(text) {
    message.textContent = text;
    message.classList.toggle("fr-error-text", Boolean(text));
  }

  function showUser(user) {
    var name = user.name || user.email || "";
    welcome.textContent = "Vous êtes connecté" + (name ? " : " + name : "") + ".";
    form.hidden = true;
    done.hidden = false;
  }

  function showLoggedOut() {
    form.hidden = false;
    done.hidden = true;
  }

  function json(response) {
    return response.json().catch(function () { return {}; });
  }

  fetch("/api/auth/me", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { return null; }
      return json(response);
    })
    .then(function (user) { if (user && (user.email || user.name)) { showUser(user); } })
    .catch(function () { return null; });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var email = form.elements.email.value.trim();
    var password = form.elements.password.value;
    if (!email || !password) {
      showMessage("Saisissez votre adresse électronique et votre mot de passe.");
      return;
    }
    showMessage("");
    fetch("/api/auth/login", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ email: email, password: password }),
    })
      .then(function (response) {
        return json(response).then(function (body) {
          if (response.status === 404) {
            showMessage("La connexion n'est pas disponible sur ce portail de démonstration.");
          } else if (!response.ok) {
            showMessage(body.detail || "Adresse électronique ou mot de passe incorrect.");
          } else {
            form.elements.password.value = "";
            showUser(body.user || body);
          }
        });
      })
      .catch(function () {
        showMessage("La connexion a échoué : vérifiez votre accès à internet et réessayez.");
      });
  });

  logout.addEventListener("click", function () {
    fetch("/api/auth/logout", { method: "POST", credentials: "same-origin" })
      .catch(function () { return null; })
      .then(function () {
        // The conversation may show the user's forms, tickets and amounts: the widget
        // drops it from the page and from this browser, and starts a new one.
        if (window.ClaudeWidget && window.ClaudeWidget.logout) { window.ClaudeWidget.logout(); }
        showLoggedOut();
        form.elements.email.focus();
      });
  });

  openClaude.addEventListener("click", function () {
    if (window.ClaudeWidget) { window.ClaudeWidget.open(); }
  });
})();
