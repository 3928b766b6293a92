// Solves an ALTCHA v2 challenge (PBKDF2/SHA-256) with Web Crypto: find the counter whose
// derived key (password = nonce bytes + counter as big-endian uint32, salt = salt bytes)
// starts with keyPrefix. Posts {counter, derivedKey, time}, or null if it cannot.
"use strict";

function fromHex(hex) {
  var bytes = new Uint8Array(hex.length / 2);
  for (var i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
  return bytes;
}

function toHex(buffer) {
  return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
    return (b < 16 ? "0" : "") + b.toString(16);
  }).join("");
}

async function derive(parameters, nonce, salt, counter) {
  var password = new Uint8Array(nonce.length + 4);
  password.set(nonce);
  new DataView(password.buffer).setUint32(nonce.length, counter, false);
  var key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
  var bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: parameters.cost },
    key,
    parameters.keyLength * 8
  );
  return toHex(bits);
}

self.onmessage = async function (event) {
  var parameters = event.data && event.data.parameters;
  if (!parameters || parameters.algorithm !== "PBKDF2/SHA-256") { self.postMessage(null); return; }
  var nonce = fromHex(parameters.nonce), salt = fromHex(parameters.salt);
  var prefix = parameters.keyPrefix.toLowerCase(), started = Date.now();
  // A few attempts at once: Web Crypto runs them off this thread.
  for (var counter = 0; counter < 0xffffffff; counter += 8) {
    var batch = [];
    for (var i = 0; i < 8; i++) batch.push(derive(parameters, nonce, salt, counter + i));
    var keys = await Promise.all(batch);
    for (var j = 0; j < keys.length; j++) {
      if (keys[j].indexOf(prefix) === 0) {
        self.postMessage({ counter: counter + j, derivedKey: keys[j], time: Date.now() - started });
        return;
      }
    }
    if (parameters.expiresAt && Date.now() / 1000 > parameters.expiresAt) break;
  }
  self.postMessage(null);
};
