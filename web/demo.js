// The demo page: start the chat widget with the page's context (see docs/website-chat.md).
(function () {
  "use strict";
  var config = window.ASISTENTE_CONSULAR_CONFIG || {};
  var chat = window.AsistenteConsular.start({
    socketUrl: config.socketUrl,
    customData: { section: document.body.getAttribute("data-section") },
  });
  document.getElementById("abrir-asistente").addEventListener("click", chat.open);
})();
