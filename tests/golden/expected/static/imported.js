/* Re-checks an imported badge against its issuer's hosted assertion, when the issuer's
   server allows this page to read it (CORS). Otherwise the page keeps saying when the
   badge was last verified. Only textContent is ever written: nothing fetched becomes HTML. */
(function () {
  "use strict";
  var box = document.querySelector("[data-live-check]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-verification-url");
  var output = box.querySelector("[data-live-status]");
  function say(state) {
    box.setAttribute("data-state", state);
    output.textContent = box.getAttribute("data-message-" + state);
  }
  say("checking");
  fetch(url, {
    headers: { Accept: "application/ld+json, application/json" },
    credentials: "omit",
    cache: "no-store",
    mode: "cors"
  })
    .then(function (response) {
      if (response.status === 404 || response.status === 410) {
        return "gone";
      }
      if (!response.ok) {
        return "unreachable";
      }
      return response.json().then(function (assertion) {
        var declared = assertion && (assertion.id || (assertion.verify && assertion.verify.url));
        if (declared !== url) {
          return "mismatch";
        }
        if (assertion.revoked === true) {
          return "revoked";
        }
        if (assertion.expires && Date.parse(assertion.expires) <= Date.now()) {
          return "expired";
        }
        return "valid";
      });
    })
    .then(say, function () {
      say("unreachable");
    });
})();
