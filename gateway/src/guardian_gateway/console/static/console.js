// The console's only script (served from /console/static, as the Content-Security-Policy requires): the two
// login flows, which need fetch and the wallet. Every other page works without JavaScript.
"use strict";

function say(text, isError) {
  const status = document.getElementById("login-status");
  if (!status) return;
  status.textContent = text;
  status.className = isError ? "error" : "";
}

// Calls the gateway's own JSON API; a refusal becomes an Error carrying the envelope's code and message.
async function api(path, body) {
  const init = body === undefined
    ? { credentials: "same-origin" }
    : {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      };
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(`${data.code || response.status}: ${data.message || "request failed"}`);
  }
  return data;
}

function operatorLogin() {
  const challengeForm = document.getElementById("operator-challenge-form");
  const verifyForm = document.getElementById("operator-verify-form");
  if (!challengeForm || !verifyForm) return;
  let commitment = "";

  challengeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    commitment = document.getElementById("commitment").value.trim();
    if (!commitment) {
      say("Enter your public-key commitment first.", true);
      document.getElementById("commitment").focus();
      return;
    }
    try {
      const { challenge } = await api(`/auth/challenge?commitment=${encodeURIComponent(commitment)}`);
      document.getElementById("digest").textContent = challenge.signing_digest;
      document.getElementById("sign-command").textContent =
        `guardian-operator sign --key FILE --digest ${challenge.signing_digest}`;
      document.getElementById("challenge-expiry").textContent = challenge.expires_at;
      document.getElementById("operator-sign").hidden = false;
      document.getElementById("signature").focus();
      say("Challenge ready: sign the digest and paste the signature.", false);
    } catch (error) {
      say(error.message, true);
    }
  });

  verifyForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const signature = document.getElementById("signature").value.trim();
    try {
      await api("/auth/verify", { commitment, signature });
      say("Signed in.", false);
      window.location.assign("/console/");
    } catch (error) {
      say(error.message, true);
    }
  });
}

function walletLogin() {
  const button = document.getElementById("wallet-login");
  if (!button) return;
  button.addEventListener("click", async () => {
    if (!window.ethereum) {
      say("No browser wallet found (window.ethereum is missing).", true);
      return;
    }
    try {
      const [account] = await window.ethereum.request({ method: "eth_requestAccounts" });
      const address = String(account).toLowerCase();
      const challenge = await api(`/evm/auth/challenge?address=${encodeURIComponent(address)}`);
      const signature = await window.ethereum.request({
        method: "eth_signTypedData_v4",
        params: [address, JSON.stringify(challenge.typed_data)],
      });
      await api("/evm/auth/verify", { address, nonce: challenge.nonce, signature });
      say("Signed in.", false);
      window.location.assign("/console/wallet");
    } catch (error) {
      say(error.message || String(error), true);
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  operatorLogin();
  walletLogin();
});
