// The support form: copy the conversation that the chat widget's link carries in its
// fragment (#session_id=…&key=…&page=…) into the form's hidden fields, then drop the
// fragment from the address bar. The fragment never reaches a server or its logs.
(function () {
  "use strict";
  var form = document.querySelector("form[action='/support']");
  if (!form || !window.location.hash) { return; }
  var params;
  try {
    params = new URLSearchParams(window.location.hash.slice(1));
  } catch (e) {
    return;
  }
  var sessionId = params.get("session_id") || "";
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(sessionId)) { return; }
  var fields = { session_id: sessionId, conversation_key: params.get("key") || "", page: params.get("page") || "" };
  Object.keys(fields).forEach(function (name) {
    var input = form.querySelector("input[name='" + name + "']");
    if (input && !input.value) { input.value = fields[name].slice(0, 200); }
  });
  var note = document.getElementById("echange-joint");
  if (note && fields.conversation_key) { note.hidden = false; }
  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
})();
