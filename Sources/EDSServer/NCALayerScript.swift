/// The session page's own script (no third-party JavaScript): it polls the session's state and, on the button, asks
/// NCALayer over its local WebSocket for a CAdES signature over the document's bytes and posts the CMS back.
///
/// NCALayer's message (module `kz.gov.pki.knca.commonUtils`, source `pkigovkz/NLCommonBundle`):
/// `{"module": "kz.gov.pki.knca.commonUtils", "method": "createCAdESFromBase64",
///   "args": [storage, "SIGNATURE", base64Data, attached]}` → `{"code": "200", "message", "responseObject": base64CMS}`;
/// NCALayer first greets a new connection with `{"result": {"version": "…"}}`. `attached` is false: the vault keeps
/// detached signatures over the document's exact bytes.
enum NCALayerScript {
    /// Where NCALayer listens on the signer's own computer.
    static let address = "wss://127.0.0.1:13579"

    static let source = #"""
        (function () {
          "use strict";
          var root = document.getElementById("signing");
          if (!root) { return; }
          var base = "/sign/" + encodeURIComponent(root.getAttribute("data-token"));
          var stateBox = document.getElementById("state");
          var stateText = document.getElementById("state-text");
          var button = document.getElementById("ncalayer-sign");
          var message = document.getElementById("ncalayer-message");
          var storage = document.getElementById("ncalayer-storage");
          var address = "\#(address)";
          var busy = false;

          function text(key) { return root.getAttribute("data-text-" + key) || key; }
          function say(key, extra) { if (message) { message.textContent = text(key) + (extra ? " " + extra : ""); } }
          function show(state) {
            root.setAttribute("data-state", state);
            stateText.textContent = text(state);
            stateBox.className = "verdict " + (state === "signed" ? "passed" : state === "waiting" ? "indeterminate" : "failed");
            if (state !== "waiting") {
              if (button) { button.disabled = true; }
              ["egov", "ncalayer"].forEach(function (id) {
                var section = document.getElementById(id);
                if (section && !busy) { section.style.display = "none"; }
              });
            }
          }
          function poll() {
            fetch(base + "/status", { cache: "no-store" })
              .then(function (response) { return response.ok ? response.json() : null; })
              .then(function (status) {
                if (status) { show(status.state); }
                if (!status || status.state === "waiting") { setTimeout(poll, 2000); }
              })
              .catch(function () { setTimeout(poll, 5000); });
          }
          function toBase64(buffer) {
            var bytes = new Uint8Array(buffer);
            var binary = "";
            for (var i = 0; i < bytes.length; i += 0x8000) {
              binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
            }
            return btoa(binary);
          }
          function askNCALayer(data) {
            return new Promise(function (resolve, reject) {
              var socket;
              try { socket = new WebSocket(address); } catch (error) { reject(new Error("unreachable")); return; }
              var answered = false;
              socket.onopen = function () {
                say("choose");
                socket.send(JSON.stringify({
                  module: "kz.gov.pki.knca.commonUtils",
                  method: "createCAdESFromBase64",
                  args: [storage ? storage.value : "PKCS12", "SIGNATURE", data, false]
                }));
              };
              socket.onmessage = function (event) {
                var answer;
                try { answer = JSON.parse(event.data); } catch (error) { return; }
                if (answer.result && answer.result.version) { return; }
                answered = true;
                socket.close();
                if (String(answer.code) === "200" && answer.responseObject) { resolve(answer.responseObject); }
                else { reject(new Error(String(answer.code) === "500" && !answer.message ? "aborted" : "aborted:" + (answer.message || ""))); }
              };
              socket.onerror = function () { if (!answered) { reject(new Error("unreachable")); } };
              socket.onclose = function () { if (!answered) { reject(new Error("unreachable")); } };
            });
          }
          function sign() {
            if (busy) { return; }
            busy = true;
            button.disabled = true;
            say("connecting");
            fetch(base + "/document", { cache: "no-store" })
              .then(function (response) { if (!response.ok) { throw new Error("rejected:" + response.status); } return response.arrayBuffer(); })
              .then(function (buffer) { return askNCALayer(toBase64(buffer)); })
              .then(function (cms) {
                return fetch(base + "/signature", { method: "POST", headers: { "Content-Type": "text/plain" }, body: cms });
              })
              .then(function (response) {
                return response.json().then(function (body) { return { ok: response.ok, body: body }; });
              })
              .then(function (answer) {
                busy = false;
                if (answer.ok) { say("sent"); show(answer.body.state); return; }
                say("rejected", answer.body && answer.body.error ? answer.body.error.message : "");
                poll();
              })
              .catch(function (error) {
                busy = false;
                var reason = String(error.message || "");
                if (reason.indexOf("aborted") === 0) { say("aborted", reason.slice(8)); }
                else if (reason.indexOf("rejected") === 0) { say("rejected", reason.slice(9)); }
                else { say("unreachable"); }
                if (root.getAttribute("data-state") === "waiting") { button.disabled = false; }
              });
          }
          if (button) { button.addEventListener("click", sign); }
          if (root.getAttribute("data-state") === "waiting") { setTimeout(poll, 2000); }
        })();

        """#
}
