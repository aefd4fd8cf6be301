/* badgesite's verifier page (/verify/): a baked PNG or SVG, a JSON file, pasted JSON or a URL,
 * checked in this browser with no server.
 * - Open Badges 3.0 credentials: the eddsa-rdfc-2022 proof (RDFC-1.0 by the vendored
 *   canon.min.js, whose document loader serves only the pinned contexts of verify/contexts.json;
 *   Ed25519 by Web Crypto), the issuer's key, the dates against this device's clock, and the
 *   revocation status.
 * - Open Badges 2.0 hosted assertions: read from their host (CORS), with their badge and issuer.
 * What this page holds (#verifier-site: this site's issuers, keys and revocations) verifies a
 * file of this site with no request at all. Nothing dropped or pasted is sent anywhere, and no
 * other site is asked anything unless the visitor entered its URL or pressed its button.
 * Hostile input: sizes are capped, JSON depth is limited, SVG is parsed with DOMParser and never
 * inserted, and every text is written with textContent, never as HTML.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-verifier]");
  if (!root || !window.crypto || !window.crypto.subtle || !window.TextEncoder || !window.BadgesiteCanon) {
    return; // the page keeps saying to run `badgesite verify` (noscript) without the tools
  }
  var SITE = JSON.parse(document.getElementById("verifier-site").textContent);
  var TEXTS = JSON.parse(document.getElementById("verifier-texts").textContent);
  var LIMITS = SITE.limits;
  var LANGUAGE = document.documentElement.lang || undefined;
  var SITE_ROOT = new URL(root.getAttribute("data-site-root"), location.href).href;
  var CANON_TIME_LIMIT_MS = 5000;

  // The pinned contexts, read once from this site as the page opens: later checks need no network.
  var contexts = fetch(new URL(root.getAttribute("data-contexts"), location.href).href, {
    credentials: "same-origin"
  }).then(function (response) {
    if (!response.ok) {
      throw new Error("HTTP " + response.status);
    }
    return response.json();
  });
  contexts.catch(function () {}); // reported when a credential needs them

  function text(key, values) {
    var template = Object.prototype.hasOwnProperty.call(TEXTS, key) ? TEXTS[key] : key;
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && values[name] !== undefined ? String(values[name]) : whole;
    });
  }

  function Problem(message) {
    this.message = message;
  }

  function formatDate(value) {
    var moment = new Date(value);
    if (!value || isNaN(moment.getTime())) {
      return String(value || "");
    }
    try {
      return new Intl.DateTimeFormat(LANGUAGE, { dateStyle: "long", timeZone: SITE.timeZone }).format(moment);
    } catch (error) {
      return moment.toISOString().slice(0, 10);
    }
  }

  function sizeText(bytes) {
    return Math.round(bytes / 1024) + " KiB";
  }

  function hostOf(url) {
    try {
      return new URL(url).host;
    } catch (error) {
      return String(url);
    }
  }

  function isString(value) {
    return typeof value === "string";
  }

  function list(value) {
    return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  }

  function idOf(value) {
    return isString(value) ? value : value && isString(value.id) ? value.id : "";
  }

  function nameOf(value) {
    return value && isString(value.name) ? value.name : "";
  }

  // --- Reading what was given -------------------------------------------------------------

  function parseJson(source, limit) {
    if (new TextEncoder().encode(source).length > limit) {
      throw new Problem(text("error_too_large", { limit: sizeText(limit) }));
    }
    var value;
    try {
      value = JSON.parse(source);
    } catch (error) {
      throw new Problem(text("error_json", { problem: error.message }));
    }
    var stack = [[value, 1]];
    while (stack.length) {
      var item = stack.pop();
      if (item[1] > LIMITS.depth) {
        throw new Problem(text("error_json", { problem: "nested deeper than " + LIMITS.depth }));
      }
      if (item[0] && typeof item[0] === "object") {
        Object.keys(item[0]).forEach(function (key) {
          stack.push([item[0][key], item[1] + 1]);
        });
      }
    }
    return value;
  }

  function looksLikeJwt(source) {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(source.trim());
  }

  function isPng(bytes) {
    var signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
    return bytes.length >= 8 && signature.every(function (byte, index) {
      return bytes[index] === byte;
    });
  }

  function latin1(bytes) {
    return Array.prototype.map.call(bytes, function (byte) {
      return String.fromCharCode(byte);
    }).join("");
  }

  async function inflate(bytes, format, limit) {
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format));
    var reader = stream.getReader();
    var parts = [];
    var total = 0;
    for (;;) {
      var step = await reader.read();
      if (step.done) {
        break;
      }
      total += step.value.length;
      if (total > limit) {
        reader.cancel();
        throw new Problem(text("error_too_large", { limit: sizeText(limit) }));
      }
      parts.push(step.value);
    }
    var joined = new Uint8Array(total);
    var offset = 0;
    parts.forEach(function (part) {
      joined.set(part, offset);
      offset += part.length;
    });
    return joined;
  }

  // The baked texts of a PNG: iTXt (or, for 1.0 bakers, tEXt) chunks `openbadges` and
  // `openbadgecredential`, the first non-empty one of each.
  async function pngPayloads(bytes) {
    var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    var found = {};
    var position = 8;
    var decoder = new TextDecoder("utf-8", { fatal: true });
    while (position + 12 <= bytes.length) {
      var length = view.getUint32(position);
      if (length > bytes.length - position - 12) {
        throw new Problem(text("error_image", { problem: "a PNG chunk runs past the end of the file" }));
      }
      var kind = latin1(bytes.subarray(position + 4, position + 8));
      var body = bytes.subarray(position + 8, position + 8 + length);
      position += 12 + length;
      if (kind !== "iTXt" && kind !== "tEXt") {
        continue;
      }
      var end = body.indexOf(0);
      var keyword = end > 0 ? latin1(body.subarray(0, end)) : "";
      if (SITE.baking.png.indexOf(keyword) === -1 || found[keyword]) {
        continue;
      }
      var payload;
      try {
        if (kind === "tEXt") {
          payload = latin1(body.subarray(end + 1));
        } else {
          var compressed = body[end + 1] === 1;
          var language = body.indexOf(0, end + 3);
          var translated = language === -1 ? -1 : body.indexOf(0, language + 1);
          if (translated === -1) {
            throw new Error("a damaged iTXt chunk");
          }
          var data = body.subarray(translated + 1);
          if (compressed) {
            data = await inflate(data, "deflate", LIMITS.credential);
          }
          payload = decoder.decode(data);
        }
      } catch (error) {
        if (error instanceof Problem) {
          throw error;
        }
        throw new Problem(text("error_image", { problem: keyword + ": " + error.message }));
      }
      if (payload.trim()) {
        found[keyword] = payload.trim();
      }
    }
    return { assertion: found[SITE.baking.png[0]], credential: found[SITE.baking.png[1]] };
  }

  // The baked texts of an SVG, read from a parsed copy that is never shown.
  function svgPayloads(source) {
    if (/<!ENTITY/i.test(source)) {
      throw new Problem(text("error_image", { problem: "an SVG that declares entities" }));
    }
    var parsed = new DOMParser().parseFromString(source, "image/svg+xml");
    var failure = parsed.getElementsByTagName("parsererror")[0];
    if (failure) {
      throw new Problem(text("error_image", { problem: failure.textContent.trim().slice(0, 200) }));
    }
    function first(namespace, name, attributeFirst) {
      var elements = parsed.getElementsByTagNameNS(namespace, name);
      for (var index = 0; index < elements.length; index++) {
        var element = elements[index];
        var attribute = (element.getAttribute("verify") || "").trim();
        var content = (element.textContent || "").trim();
        var payload = attributeFirst ? attribute || content : content || attribute;
        if (payload) {
          return payload;
        }
      }
      return undefined;
    }
    return {
      assertion: first(SITE.baking.svg[0], "assertion", false),
      credential: first(SITE.baking.svg[1], "credential", true)
    };
  }

  // --- Asking this site, or another one when the visitor said so --------------------------

  function isThisSite(url) {
    return isString(url) && url.indexOf(SITE.baseUrl) === 0;
  }

  // Where this page reads a URL of this site from: the same folder it was served from, so a
  // preview or a copy on another address checks its own files.
  function localUrl(url) {
    return new URL(url.slice(SITE.baseUrl.length), SITE_ROOT).href;
  }

  async function readCapped(response, limit) {
    var declared = Number(response.headers.get("Content-Length") || 0);
    if (declared > limit) {
      throw new Problem(text("error_too_large", { limit: sizeText(limit) }));
    }
    var reader = response.body.getReader();
    var parts = [];
    var total = 0;
    for (;;) {
      var step = await reader.read();
      if (step.done) {
        break;
      }
      total += step.value.length;
      if (total > limit) {
        reader.cancel();
        throw new Problem(text("error_too_large", { limit: sizeText(limit) }));
      }
      parts.push(step.value);
    }
    return new TextDecoder().decode(await new Blob(parts).arrayBuffer());
  }

  // A document at url: this site's from its own folder, another site's only when allowed.
  // Fails with {kind: "foreign" | "cors" | "gone" | "failed", problem}.
  async function fetchText(url, allowForeign, limit) {
    var own = isThisSite(url);
    if (!own && !allowForeign) {
      throw { kind: "foreign" };
    }
    if (!/^https?:\/\//i.test(url)) {
      throw { kind: "failed", problem: "not an http(s) URL" };
    }
    var response;
    try {
      response = await fetch(own ? localUrl(url) : url, {
        headers: { Accept: "application/ld+json, application/json;q=0.9, */*;q=0.1" },
        credentials: own ? "same-origin" : "omit",
        referrerPolicy: "no-referrer",
        cache: "no-store",
        mode: "cors"
      });
    } catch (error) {
      throw { kind: own ? "failed" : "cors", problem: error.message };
    }
    if (response.status === 404 || response.status === 410) {
      throw { kind: "gone", problem: "HTTP " + response.status };
    }
    if (!response.ok) {
      throw { kind: "failed", problem: "HTTP " + response.status };
    }
    try {
      return await readCapped(response, limit || LIMITS.json);
    } catch (error) {
      throw { kind: "failed", problem: error.message };
    }
  }

  async function fetchJson(url, allowForeign, limit) {
    var body = await fetchText(url, allowForeign, limit);
    try {
      return parseJson(body, limit || LIMITS.json);
    } catch (error) {
      throw { kind: "failed", problem: error.message };
    }
  }

  // The earner's name of an award of this site, from the JSON-LD of its own page (parsed,
  // never shown); "" when the page cannot be read (offline, say).
  async function earnerOnThisSite(url, pattern) {
    var regex = new RegExp(
      "^" + (SITE.baseUrl + pattern).replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace("\\{id\\}", "([^/?#]+)") + "$"
    );
    var match = isString(url) && url.match(regex);
    if (!match || navigator.onLine === false) {
      return "";
    }
    var id = decodeURIComponent(match[1]);
    try {
      var page = await fetchText(SITE.baseUrl + SITE.award.page.replace("{id}", encodeURIComponent(id)), false, LIMITS.file);
      var parsed = new DOMParser().parseFromString(page, "text/html");
      var scripts = parsed.querySelectorAll('script[type="application/ld+json"]');
      for (var index = 0; index < scripts.length; index++) {
        var data = JSON.parse(scripts[index].textContent);
        if (data && data.identifier === id && data.about && isString(data.about.name)) {
          return data.about.name;
        }
      }
    } catch (error) {
      // the name stays unknown
    }
    return "";
  }

  // --- Bytes and keys ---------------------------------------------------------------------

  var BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

  function base58(textValue) {
    var bytes = []; // little-endian while it is built
    for (var index = 0; index < textValue.length; index++) {
      var carry = BASE58.indexOf(textValue[index]);
      if (carry < 0) {
        throw new Problem("not base58btc");
      }
      for (var place = 0; place < bytes.length; place++) {
        carry += bytes[place] * 58;
        bytes[place] = carry & 0xff;
        carry >>= 8;
      }
      while (carry > 0) {
        bytes.push(carry & 0xff);
        carry >>= 8;
      }
    }
    for (var zero = 0; zero < textValue.length && textValue[zero] === "1"; zero++) {
      bytes.push(0); // each leading "1" is a zero byte
    }
    return new Uint8Array(bytes.reverse());
  }

  function decodeMultibase58(value) {
    if (!isString(value) || value[0] !== "z" || value.length > 200) {
      throw new Problem("not multibase base58btc");
    }
    return base58(value.slice(1));
  }

  function ed25519PublicKey(multibase) {
    var bytes = decodeMultibase58(multibase);
    if (bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) {
      throw new Problem("not an Ed25519 Multikey");
    }
    return bytes.subarray(2);
  }

  async function sha256(textValue) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(textValue)));
  }

  async function documentLoader(url) {
    var pinned = await contexts;
    if (!Object.prototype.hasOwnProperty.call(pinned, url)) {
      throw new Error(url + " is not one of the pinned contexts");
    }
    return { contextUrl: null, documentUrl: url, document: JSON.parse(JSON.stringify(pinned[url])) };
  }

  function canonize(document) {
    var signal = AbortSignal.timeout ? AbortSignal.timeout(CANON_TIME_LIMIT_MS) : undefined;
    return window.BadgesiteCanon.canonize(document, documentLoader, signal);
  }

  // Whether proof is the Ed25519 signature of document under the Multikey publicKey.
  async function signatureMatches(document, proof, publicKey) {
    var options = {};
    Object.keys(proof).forEach(function (key) {
      if (key !== "proofValue") {
        options[key] = proof[key];
      }
    });
    options["@context"] = document["@context"];
    var unsigned = {};
    Object.keys(document).forEach(function (key) {
      if (key !== "proof") {
        unsigned[key] = document[key];
      }
    });
    var canonical = await Promise.all([canonize(options), canonize(unsigned)]);
    var hashes = await Promise.all(canonical.map(sha256));
    var data = new Uint8Array(64);
    data.set(hashes[0], 0);
    data.set(hashes[1], 32);
    var signature = decodeMultibase58(proof.proofValue);
    if (signature.length !== 64) {
      return false;
    }
    var key = await crypto.subtle.importKey("raw", ed25519PublicKey(publicKey), { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, signature, data);
  }

  function didWebUrl(did) {
    var parts = did.slice("did:web:".length).split(":").map(decodeURIComponent);
    var host = parts.shift();
    return "https://" + host + "/" + (parts.length ? parts.join("/") + "/did.json" : ".well-known/did.json");
  }

  // The public key of a proof's verification method: {key, check} or {check} when none.
  async function resolveKey(method, allowForeign) {
    var did = method.split("#")[0];
    var issuer = SITE.issuers.filter(function (entry) {
      return entry.did === did;
    })[0];
    if (issuer) {
      var known = issuer.keys[method];
      return known
        ? { key: known, check: ["ok", text("check_key_site", { issuer: issuer.name })] }
        : { check: ["bad", text("check_key_missing")] };
    }
    if (did.indexOf("did:key:") === 0) {
      var multibase = did.slice("did:key:".length);
      return method === did + "#" + multibase
        ? { key: multibase, check: ["info", text("check_key_did_key")] }
        : { check: ["bad", text("check_key_missing")] };
    }
    if (did.indexOf("did:web:") !== 0) {
      return { check: ["unknown", text("check_proof_unsupported", { kind: did.split(":").slice(0, 2).join(":") })] };
    }
    var url = didWebUrl(did);
    var host = hostOf(url);
    var document;
    try {
      document = await fetchJson(url, allowForeign);
    } catch (failure) {
      if (failure.kind === "foreign") {
        return { check: ["unknown", text("check_key_foreign", { host: host })] };
      }
      return { check: ["unknown", text("check_key_unreachable", { host: host, problem: failure.problem || failure.kind })] };
    }
    function absolute(id) {
      return isString(id) && id[0] === "#" ? did + id : id;
    }
    var found = list(document.verificationMethod).filter(function (entry) {
      return entry && absolute(entry.id) === method && entry.controller === did;
    })[0];
    var asserts = list(document.assertionMethod).some(function (entry) {
      return absolute(idOf(entry)) === method;
    });
    if (document.id !== did || !found || !asserts || !isString(found.publicKeyMultibase)) {
      return { check: ["bad", text("check_key_missing")] };
    }
    return { key: found.publicKeyMultibase, check: ["ok", text("check_key_fetched", { host: host })] };
  }

  // The checks of a document's eddsa-rdfc-2022 proof: whether it is valid, and what was found.
  async function checkProof(document, allowForeign) {
    var proofs = list(document.proof);
    if (!proofs.length) {
      return { valid: false, checks: [["bad", text("check_proof_missing")]] };
    }
    var proof = proofs.filter(function (entry) {
      return entry && entry.type === "DataIntegrityProof" && entry.cryptosuite === "eddsa-rdfc-2022";
    })[0];
    if (!proof) {
      var kind = [proofs[0] && proofs[0].type, proofs[0] && proofs[0].cryptosuite].filter(isString).join(" ");
      return { unknown: true, checks: [["unknown", text("check_proof_unsupported", { kind: kind || "?" })]] };
    }
    var method = idOf(proof.verificationMethod);
    var did = method.split("#")[0];
    if (did !== idOf(document.issuer) || proof.proofPurpose !== "assertionMethod") {
      return { valid: false, checks: [["bad", text("check_issuer_mismatch")]] };
    }
    var resolved = await resolveKey(method, allowForeign);
    var checks = [resolved.check];
    if (!resolved.key) {
      return resolved.check[0] === "bad" ? { valid: false, checks: checks } : { unknown: true, checks: checks };
    }
    var matches;
    try {
      matches = await signatureMatches(document, proof, resolved.key);
    } catch (error) {
      checks.push(["bad", text("check_canon_failed", { problem: error.message || String(error) })]);
      return { valid: false, checks: checks };
    }
    checks.unshift(matches ? ["ok", text("check_signature")] : ["bad", text("check_signature_bad")]);
    return { valid: matches, checks: checks };
  }

  // Whether a Bitstring status list marks index, its own proof checked first.
  async function statusListMarks(listUrl, index, issuerId, allowForeign) {
    var list = await fetchJson(listUrl, allowForeign, LIMITS.file);
    if (idOf(list.issuer) !== issuerId) {
      throw { kind: "failed", problem: "the list has another issuer" };
    }
    var proof = await checkProof(list, allowForeign);
    if (!proof.valid) {
      throw { kind: "failed", problem: proof.checks.map(function (check) { return check[1]; }).join(" ") };
    }
    var encoded = list.credentialSubject && list.credentialSubject.encodedList;
    if (!isString(encoded) || encoded[0] !== "u") {
      throw { kind: "failed", problem: "no encodedList" };
    }
    var base64 = encoded.slice(1).replace(/-/g, "+").replace(/_/g, "/");
    var compressed = Uint8Array.from(atob(base64 + "===".slice((base64.length + 3) % 4)), function (character) {
      return character.charCodeAt(0);
    });
    var bits = await inflate(compressed, "gzip", 16 * 1024 * 1024);
    if (index >= bits.length * 8) {
      throw { kind: "failed", problem: "the index is past the end of the list" };
    }
    return (bits[Math.floor(index / 8)] & (0x80 >> (index % 8))) !== 0;
  }

  // --- Verifying ---------------------------------------------------------------------------

  function newResult(standard) {
    return {
      standard: standard,
      issuer: "",
      badge: "",
      earner: "",
      issued: "",
      expires: "",
      checks: [],
      invalid: false,
      unknown: false,
      revoked: null,
      expired: false,
      notYet: false,
      recipient: null,
      actions: []
    };
  }

  function judgeDates(result, from, until) {
    var now = Date.now();
    if (until && Date.parse(until) <= now) {
      result.expired = true;
      result.checks.push(["warn", text("check_expired", { date: formatDate(until) })]);
    } else if (from && Date.parse(from) > now) {
      result.notYet = true;
      result.checks.push(["warn", text("check_not_yet_valid", { date: formatDate(from) })]);
    } else {
      result.checks.push(["ok", text("check_dates", { date: formatDate(now) })]);
    }
  }

  async function verifyCredential(credential, allowForeign) {
    var result = newResult("ob3");
    if (!credential || typeof credential !== "object" || Array.isArray(credential)) {
      throw new Problem(text("error_not_badge"));
    }
    var subject = list(credential.credentialSubject)[0] || {};
    result.issuer = nameOf(credential.issuer) || idOf(credential.issuer);
    result.badge = nameOf(subject.achievement) || (isString(credential.name) ? credential.name : "");
    result.earner = nameOf(subject);
    var from = credential.validFrom || credential.issuanceDate;
    result.issued = credential.awardedDate || from || "";
    result.expires = credential.validUntil || credential.expirationDate || "";
    var identity = list(subject.identifier).filter(function (entry) {
      return entry && isString(entry.identityHash);
    })[0];
    if (identity) {
      result.recipient = { identity: identity.identityHash, salt: identity.salt, hashed: identity.hashed !== false };
    }

    var proof = await checkProof(credential, allowForeign);
    result.checks = result.checks.concat(proof.checks);
    result.invalid = proof.valid === false;
    result.unknown = Boolean(proof.unknown);
    judgeDates(result, from, result.expires);

    var entries = list(credential.credentialStatus).filter(function (entry) {
      return entry && (entry.statusPurpose === "revocation" || entry.type === "1EdTechRevocationList");
    });
    if (!entries.length) {
      result.checks.push(["info", text("check_status_none")]);
    }
    for (var index = 0; index < entries.length; index++) {
      var entry = entries[index];
      var listUrl = entry.statusListCredential || idOf(entry).split("#")[0];
      var host = hostOf(listUrl);
      var ownList = SITE.issuers.some(function (issuer) {
        return issuer.statusList && issuer.statusList === entry.statusListCredential;
      });
      if (ownList && entry.type === "BitstringStatusListEntry") {
        var revoked = SITE.revoked.filter(function (award) {
          return award.credential === credential.id;
        })[0];
        if (revoked) {
          result.revoked = revoked.reason;
          result.checks.push(["bad", text("check_status_revoked", { reason: revoked.reason || text("no_reason") })]);
        } else {
          result.checks.push(["ok", text("check_status_site")]);
        }
        continue;
      }
      if (entry.type !== "BitstringStatusListEntry") {
        result.unknown = true;
        result.checks.push(["unknown", text("check_status_unchecked", { host: host })]);
        continue;
      }
      try {
        var marked = await statusListMarks(listUrl, Number(entry.statusListIndex), idOf(credential.issuer), allowForeign);
        if (marked) {
          result.revoked = "";
          result.checks.push(["bad", text("check_status_revoked", { reason: text("no_reason") })]);
        } else {
          result.checks.push(["ok", text("check_status_list", { host: host })]);
        }
      } catch (failure) {
        result.unknown = true;
        result.checks.push(
          failure.kind === "foreign"
            ? ["unknown", text("check_status_unchecked", { host: host })]
            : ["unknown", text("check_status_failed", { host: host, problem: failure.problem || failure.kind || failure.message })]
        );
      }
    }
    if (!result.earner) {
      result.earner = await earnerOnThisSite(credential.id, SITE.award.credential);
    }
    return result;
  }

  // Why a hosted assertion could not be read, as its result.
  function unreadable(result, url, failure) {
    var host = hostOf(url);
    result.unknown = true;
    if (failure.kind === "foreign") {
      result.checks.push(["unknown", text("check_hosted_foreign", { host: host })]);
      result.actions.push({ label: text("fetch_button", { host: host }), url: url });
    } else if (failure.kind === "gone") {
      result.invalid = true;
      result.checks.push(["bad", text("check_hosted_gone", { host: host })]);
    } else if (failure.kind === "cors") {
      result.checks.push(["unknown", text("check_hosted_cors", { host: host, url: url })]);
    } else {
      result.checks.push(["unknown", text("check_hosted_failed", { host: host, url: url, problem: failure.problem })]);
    }
    return result;
  }

  // An Open Badges 2.0 hosted assertion at url (document: when already read from it).
  async function verifyHosted(url, allowForeign, document) {
    var result = newResult("ob2");
    var host = hostOf(url);
    var assertion = document;
    if (!assertion) {
      try {
        assertion = await fetchJson(url, allowForeign);
      } catch (failure) {
        return unreadable(result, url, failure);
      }
    }
    var declared = (assertion.verify && assertion.verify.url) || assertion.id;
    if (declared !== url && assertion.id !== url) {
      result.invalid = true;
      result.checks.push(["bad", text("check_hosted_mismatch")]);
      return result;
    }
    result.checks.push(["ok", text("check_hosted", { host: host })]);
    result.issued = assertion.issuedOn || "";
    result.expires = assertion.expires || "";
    if (assertion.recipient && isString(assertion.recipient.identity)) {
      result.recipient = {
        identity: assertion.recipient.identity,
        salt: assertion.recipient.salt,
        hashed: assertion.recipient.hashed === true
      };
    }
    var badge = assertion.badge;
    var issuer;
    try {
      if (isString(badge)) {
        badge = await fetchJson(badge, allowForeign);
      }
      result.badge = nameOf(badge);
      issuer = badge && badge.issuer;
      if (isString(issuer)) {
        issuer = await fetchJson(issuer, allowForeign);
      }
      result.issuer = nameOf(issuer);
    } catch (failure) {
      result.unknown = true;
      result.checks.push(["unknown", text("check_hosted_failed", { host: host, url: url, problem: failure.problem || failure.kind })]);
    }
    if (issuer && typeof issuer === "object") {
      var rules = issuer.verification || {};
      var allowed = list(rules.allowedOrigins).filter(isString);
      var onOrigin = allowed.length
        ? allowed.some(function (origin) { return origin.toLowerCase() === host.toLowerCase(); })
        : hostOf(idOf(issuer) || issuer.url) === host;
      if (!onOrigin) {
        result.invalid = true;
        result.checks.push(["bad", text("check_origin_bad")]);
      }
    }
    judgeDates(result, assertion.issuedOn, result.expires);
    if (assertion.revoked === true) {
      result.revoked = isString(assertion.revocationReason) ? assertion.revocationReason : "";
      result.checks.push(["bad", text("check_status_revoked", { reason: result.revoked || text("no_reason") })]);
    }
    result.earner = await earnerOnThisSite(url, SITE.award.assertion);
    return result;
  }

  function isCredential(document) {
    var types = list(document && document.type);
    return types.indexOf("VerifiableCredential") !== -1 || types.indexOf("OpenBadgeCredential") !== -1;
  }

  // A 2.0 payload: an assertion URL, or an assertion's JSON naming its hosted URL.
  async function verifyAssertionPayload(payload, allowForeign) {
    if (looksLikeJwt(payload)) {
      throw new Problem(text("error_jwt"));
    }
    if (/^https?:\/\//i.test(payload)) {
      return verifyHosted(payload, allowForeign);
    }
    var assertion = parseJson(payload, LIMITS.json);
    if (isCredential(assertion)) {
      return verifyCredential(assertion, allowForeign);
    }
    var url = (assertion && assertion.verify && assertion.verify.url) || idOf(assertion);
    if (!isString(url) || !/^https?:\/\//i.test(url)) {
      throw new Problem(text("error_not_badge"));
    }
    return verifyHosted(url, allowForeign);
  }

  async function verifyPayloads(found) {
    if (found.credential) {
      if (looksLikeJwt(found.credential)) {
        throw new Problem(text("error_jwt"));
      }
      return verifyCredential(parseJson(found.credential, LIMITS.credential), false);
    }
    if (found.assertion) {
      return verifyAssertionPayload(found.assertion, false);
    }
    throw new Problem(text("error_not_badge"));
  }

  async function verifyBytes(bytes) {
    if (bytes.length > LIMITS.file) {
      throw new Problem(text("error_too_large", { limit: sizeText(LIMITS.file) }));
    }
    if (isPng(bytes)) {
      return verifyPayloads(await pngPayloads(bytes));
    }
    var source;
    try {
      source = new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
    } catch (error) {
      throw new Problem(text("error_not_badge"));
    }
    return verifyText(source);
  }

  async function verifyText(source) {
    var trimmed = source.trim();
    if (trimmed[0] === "<") {
      return verifyPayloads(svgPayloads(trimmed));
    }
    if (trimmed[0] === "{") {
      var document = parseJson(trimmed, LIMITS.credential);
      return isCredential(document) ? verifyCredential(document, false) : verifyAssertionPayload(trimmed, false);
    }
    if (looksLikeJwt(trimmed)) {
      throw new Problem(text("error_jwt"));
    }
    throw new Problem(text("error_not_badge"));
  }

  async function verifyUrl(url) {
    if (!/^https?:\/\/[^/]/i.test(url)) {
      throw new Problem(text("error_url"));
    }
    var body;
    try {
      body = await fetchText(url, true, LIMITS.file);
    } catch (failure) {
      return unreadable(newResult("ob2"), url, failure); // as a 2.0 assertion would say
    }
    var trimmed = body.trim();
    if (looksLikeJwt(trimmed)) {
      throw new Problem(text("error_jwt"));
    }
    var document = parseJson(trimmed, LIMITS.credential);
    return isCredential(document) ? verifyCredential(document, true) : verifyHosted(url, true, document);
  }

  // --- Showing the verdict -----------------------------------------------------------------

  var verdict = root.querySelector("[data-verdict]");
  var progress = root.querySelector("[data-verdict-progress]");
  var recipientBox = verdict.querySelector("[data-verdict-recipient]");
  var recipientResult = recipientBox.querySelector("[data-recipient-result]");
  var currentRecipient = null;
  var run = 0;

  function element(name, className, content) {
    var made = document.createElement(name);
    if (className) {
      made.className = className;
    }
    if (content !== undefined) {
      made.textContent = content;
    }
    return made;
  }

  function stateOf(result) {
    if (result.invalid) {
      return "invalid";
    }
    if (result.revoked !== null) {
      return "revoked";
    }
    if (result.expired) {
      return "expired";
    }
    if (result.notYet) {
      return "not-yet-valid";
    }
    return result.unknown ? "unknown" : "valid";
  }

  function detailOf(state, result) {
    if (state === "revoked") {
      return text("revoked_detail", { reason: result.revoked || text("no_reason") });
    }
    if (state === "expired") {
      return text("expired_detail", { date: formatDate(result.expires) });
    }
    if (state === "not-yet-valid") {
      return text("not_yet_valid_detail", { date: formatDate(result.issued) });
    }
    return text(state.replace(/-/g, "_") + "_detail", { issuer: result.issuer });
  }

  function show(state, title, detail, result) {
    var status = verdict.querySelector("[data-verdict-status]");
    status.className = "status status--" + state;
    verdict.setAttribute("data-state", state);
    verdict.querySelector("[data-verdict-title]").textContent = title;
    verdict.querySelector("[data-verdict-detail]").textContent = detail;
    var facts = verdict.querySelector("[data-verdict-facts]");
    var checks = verdict.querySelector("[data-verdict-checks]");
    var actions = verdict.querySelector("[data-verdict-actions]");
    facts.replaceChildren();
    checks.replaceChildren();
    actions.replaceChildren();
    facts.hidden = !result;
    verdict.querySelector("[data-verdict-checks-title]").hidden = !result;
    recipientBox.hidden = true;
    recipientResult.textContent = "";
    recipientResult.className = "check-result";
    currentRecipient = null;
    if (result) {
      [
        ["fact_issuer", result.issuer, "issuer"],
        ["fact_badge", result.badge, "badge"],
        ["fact_earner", result.earner || text("earner_unnamed"), "earner"],
        ["fact_issued", result.issued ? formatDate(result.issued) : "", "issued"],
        ["fact_expires", result.expires ? formatDate(result.expires) : text("never_expires"), "expires"],
        ["fact_standard", text("standard_" + result.standard), "standard"]
      ].forEach(function (fact) {
        if (!fact[1]) {
          return;
        }
        var row = element("div");
        row.setAttribute("data-fact", fact[2]);
        row.appendChild(element("dt", "", text(fact[0])));
        row.appendChild(element("dd", "", fact[1]));
        facts.appendChild(row);
      });
      result.checks.forEach(function (check) {
        var item = element("li", "verdict__check verdict__check--" + check[0], check[1]);
        item.setAttribute("data-check", check[0]);
        checks.appendChild(item);
      });
      result.actions.forEach(function (action) {
        var button = element("button", "button", action.label);
        button.type = "button";
        button.addEventListener("click", function () {
          root.querySelector("#verify-url").value = action.url;
          start(function () {
            return verifyUrl(action.url);
          });
        });
        actions.appendChild(button);
      });
      if (result.recipient) {
        currentRecipient = result.recipient;
        recipientBox.hidden = false;
      }
    }
    verdict.hidden = false;
    verdict.focus();
  }

  function start(work) {
    var mine = ++run;
    progress.textContent = text("checking");
    verdict.setAttribute("aria-busy", "true");
    Promise.resolve()
      .then(work)
      .then(
        function (result) {
          if (mine !== run) {
            return;
          }
          var state = stateOf(result);
          show(state, text(state.replace(/-/g, "_")), detailOf(state, result), result);
        },
        function (error) {
          if (mine !== run) {
            return;
          }
          var message = error instanceof Problem ? error.message : text("error_not_badge");
          show("unknown", text("unknown"), message, null);
        }
      )
      .then(function () {
        if (mine === run) {
          progress.textContent = "";
          verdict.removeAttribute("aria-busy");
        }
      });
  }

  function verifyFile(file) {
    if (!file) {
      return;
    }
    start(function () {
      if (file.size > LIMITS.file) {
        throw new Problem(text("error_too_large", { limit: sizeText(LIMITS.file) }));
      }
      return file.arrayBuffer().then(function (buffer) {
        return verifyBytes(new Uint8Array(buffer));
      });
    });
  }

  async function recipientMatches(typed, recipient) {
    var candidates = [typed, typed.trim(), typed.trim().toLowerCase()].filter(function (value, index, all) {
      return all.indexOf(value) === index;
    });
    if (!recipient.hashed) {
      return candidates.some(function (candidate) {
        return candidate.toLowerCase() === recipient.identity.trim().toLowerCase();
      });
    }
    var match = /^sha256\$([0-9a-f]{64})$/i.exec(recipient.identity);
    if (!match) {
      return null;
    }
    var expected = match[1].toLowerCase();
    var salt = isString(recipient.salt) ? recipient.salt : "";
    for (var index = 0; index < candidates.length; index++) {
      var digest = await sha256(candidates[index] + salt);
      var hex = Array.prototype.map.call(digest, function (byte) {
        return byte.toString(16).padStart(2, "0");
      }).join("");
      if (hex === expected) {
        return true;
      }
    }
    return false;
  }

  recipientBox.querySelector("form").addEventListener("submit", function (event) {
    event.preventDefault();
    var recipient = currentRecipient;
    if (!recipient) {
      return;
    }
    recipientMatches(recipientBox.querySelector("input").value, recipient).then(function (matched) {
      if (recipient !== currentRecipient) {
        return;
      }
      recipientResult.textContent = text(matched === null ? "recipient_none" : matched ? "recipient_yes" : "recipient_no");
      recipientResult.className = "check-result check-result--" + (matched ? "yes" : "no");
    });
  });

  var fileInput = root.querySelector("#verify-file");
  fileInput.addEventListener("change", function () {
    verifyFile(fileInput.files[0]);
    fileInput.value = ""; // choosing the same file again checks it again
  });
  var dropZone = root.querySelector("[data-drop]");
  // A file dropped anywhere on the page is verified, never opened by the browser.
  ["dragenter", "dragover"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      event.preventDefault();
      dropZone.classList.add("verifier__drop--active");
    });
  });
  document.addEventListener("dragleave", function (event) {
    if (!event.relatedTarget) {
      dropZone.classList.remove("verifier__drop--active");
    }
  });
  document.addEventListener("drop", function (event) {
    event.preventDefault();
    dropZone.classList.remove("verifier__drop--active");
    verifyFile(event.dataTransfer && event.dataTransfer.files[0]);
  });
  root.querySelector("[data-verify-json]").addEventListener("submit", function (event) {
    event.preventDefault();
    var source = root.querySelector("#verify-json").value;
    start(function () {
      return /^\s*https?:\/\//i.test(source) ? verifyUrl(source.trim()) : verifyText(source);
    });
  });
  root.querySelector("[data-verify-url]").addEventListener("submit", function (event) {
    event.preventDefault();
    var url = root.querySelector("#verify-url").value.trim();
    start(function () {
      return verifyUrl(url);
    });
  });
  root.hidden = false;
})();
