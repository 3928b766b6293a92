// The human check (ALTCHA protocol): fetch a challenge, solve it in a Web Worker
// (/static/pow-worker.js), put the solution in each form's hidden `altcha` field. Nothing
// is shown and nothing waits: a form sent before the solution is ready (or a browser
// without Web Workers or Web Crypto) is served at the ordinary allowance.
(function () {
  "use strict";
  var fields = document.querySelectorAll("input[data-human-check]");
  if (!fields.length || !window.Worker || !window.crypto || !window.crypto.subtle) return;
  fetch("/api/v1/human-check/challenge", { credentials: "same-origin", cache: "no-store" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (challenge) {
      if (!challenge) return;
      var worker = new Worker("/static/pow-worker.js");
      worker.onmessage = function (event) {
        worker.terminate();
        if (!event.data) return;
        var payload = btoa(JSON.stringify({ challenge: challenge, solution: event.data }));
        fields.forEach(function (field) { field.value = payload; });
        document.documentElement.setAttribute("data-human-check", "solved");
      };
      worker.postMessage(challenge);
    })
    .catch(function () { /* no solution: the ordinary allowance */ });
})();
