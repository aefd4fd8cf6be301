/* badgesite default theme: small additions to pages that work without it.
 * - the status of each award is judged again against this device's date, because a
 *   static page outlives its build;
 * - the recipient check hashes what a visitor types, in the browser, as Open Badges 2.0
 *   does (SHA-256 of identity + salt); nothing is sent anywhere;
 * - copy buttons put a snippet or a value on the clipboard;
 * - the print button prints the page, which the print stylesheet makes a certificate,
 *   its status judged again as it is printed.
 */
(function () {
  "use strict";

  var STATES = ["valid", "expired", "not-yet-valid", "revoked"];

  function judge(element, now) {
    if (element.hasAttribute("data-revoked")) {
      return "revoked";
    }
    var expires = element.getAttribute("data-expires");
    if (expires && Date.parse(expires) <= now) {
      return "expired";
    }
    if (Date.parse(element.getAttribute("data-issued")) > now) {
      return "not-yet-valid";
    }
    return "valid";
  }

  function today() {
    try {
      return new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "long" }).format(new Date());
    } catch (error) {
      return new Date().toISOString().slice(0, 10);
    }
  }

  function refreshStatuses() {
    var now = Date.now();
    document.querySelectorAll("[data-live-status]").forEach(function (element) {
      var state = judge(element, now);
      element.setAttribute("data-status", state);
      STATES.forEach(function (name) {
        element.classList.toggle("status--" + name, element.classList.contains("status") && name === state);
      });
      element.querySelectorAll("[data-state]").forEach(function (variant) {
        variant.hidden = variant.getAttribute("data-state") !== state;
      });
      var checked = element.querySelector("[data-checked]");
      var checkedText = element.getAttribute("data-checked-text");
      if (checked && checkedText) {
        checked.textContent = checkedText.replace("{date}", today());
      }
    });
  }

  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (byte) {
        return byte.toString(16).padStart(2, "0");
      })
      .join("");
  }

  function sha256(text) {
    return window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(hex);
  }

  function setUpRecipientCheck(section) {
    if (!(window.crypto && window.crypto.subtle && window.TextEncoder)) {
      return; // no Web Crypto (a page served over plain HTTP): the form stays hidden
    }
    var form = section.querySelector("form");
    var input = section.querySelector("input");
    var result = section.querySelector("[data-check-result]");
    var expected = (section.getAttribute("data-identity") || "").replace(/^sha256\$/, "");
    var salt = section.getAttribute("data-salt") || "";
    section.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var typed = input.value;
      // Issuers hash addresses as typed or trimmed and lowercased; accept any of them.
      var candidates = [typed, typed.trim(), typed.trim().toLowerCase()].filter(function (value, index, all) {
        return all.indexOf(value) === index;
      });
      Promise.all(
        candidates.map(function (candidate) {
          return sha256(candidate + salt);
        })
      ).then(function (digests) {
        var matched = digests.indexOf(expected) !== -1;
        result.textContent = section.getAttribute(matched ? "data-yes" : "data-no");
        result.className = "check-result check-result--" + (matched ? "yes" : "no");
      });
    });
  }

  function textOf(source) {
    return "value" in source ? source.value : source.textContent;
  }

  function selectText(source) {
    if ("select" in source) {
      source.focus();
      source.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyText(source) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(textOf(source));
    }
    selectText(source);
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function setUpCopyButton(button) {
    var id = button.getAttribute("data-copy");
    var source = document.getElementById(id);
    var result = document.querySelector('[data-copy-result="' + id + '"]');
    if (!source) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      copyText(source).then(
        function () {
          if (result) {
            result.textContent = button.getAttribute("data-copied-text");
          }
        },
        function () {
          selectText(source); // the visitor can still copy it by hand
        }
      );
    });
  }

  function setUpPrintButton(holder) {
    if (typeof window.print !== "function") {
      return;
    }
    holder.hidden = false;
    holder.querySelector("button").addEventListener("click", function () {
      window.print();
    });
  }

  function start() {
    refreshStatuses();
    document.querySelectorAll("[data-recipient-check]").forEach(setUpRecipientCheck);
    document.querySelectorAll("[data-copy]").forEach(setUpCopyButton);
    document.querySelectorAll("[data-print]").forEach(setUpPrintButton);
    // A page left open for days prints the status of the day it is printed.
    window.addEventListener("beforeprint", refreshStatuses);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
