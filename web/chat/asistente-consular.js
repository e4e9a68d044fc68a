/*
 * Asistente Consular: the chat widget for the Cancillería's web pages.
 *
 * Wraps rasa-webchat (load vendor/rasa-webchat.js first) with the ministry's settings:
 * Spanish texts, the greeting on open, a conversation that survives page reloads, the
 * page context sent to Rasa, a visible notice when the assistant cannot be reached,
 * and accessibility fixes (labelled controls, keyboard-operable quick replies, focus
 * outlines). See docs/website-chat.md for the embed snippet and its options.
 *
 * Messages are rendered by rasa-webchat as text (Markdown, with HTML escaped); the
 * page's Content-Security-Policy blocks `javascript:` links besides.
 */
(function () {
  "use strict";

  var TEXTS = {
    title: "Asistente Consular",
    subtitle: "Cancillería del Perú",
    inputHint: "Escriba su consulta…",
    connecting: "Conectando con el asistente…",
    unavailable:
      "El Asistente Consular no está disponible en este momento. " +
      "Por favor, intente nuevamente en unos minutos.",
    open: "Abrir el chat del Asistente Consular",
    close: "Cerrar el chat del Asistente Consular",
    input: "Escriba su consulta",
    send: "Enviar mensaje",
    conversation: "Conversación con el Asistente Consular",
  };

  // Options of AsistenteConsular.start(); every other key goes to rasa-webchat as is.
  var DEFAULTS = {
    socketUrl: null, // required: the Rasa server, e.g. "https://asistente.example.gob.pe"
    socketPath: "/socket.io/",
    initPayload: "/greet",
    customData: {}, // page context, kept by Rasa as message metadata
    storage: "local", // "local": the conversation survives reloads; "session": until the tab closes
    element: null, // where to mount (element or selector); default: a new <div> at the end of <body>
    unavailableText: TEXTS.unavailable,
    title: TEXTS.title,
    subtitle: TEXTS.subtitle,
    inputTextFieldHint: TEXTS.inputHint,
    connectingText: TEXTS.connecting,
    mainColor: "#9f1a2c",
    userBackgroundColor: "#9f1a2c",
    userTextColor: "#ffffff",
    assistBackgoundColor: "#eef1f4", // sic: rasa-webchat's spelling
    assistTextColor: "#1b1f24",
  };
  var OWN_OPTIONS = ["storage", "element", "unavailableText"];

  var assign = Object.assign;

  function resolveElement(element) {
    if (typeof element === "string") return document.querySelector(element);
    if (element) return element;
    var node = document.createElement("div");
    document.body.appendChild(node);
    return node;
  }

  // --- accessibility: rasa-webchat's controls get labels and keyboard support ----------

  function setAttr(node, name, value) {
    if (node.getAttribute(name) !== value) node.setAttribute(name, value);
  }

  function enhance(root) {
    var open = !!root.querySelector(".rw-chat-open, .rw-conversation-container");
    var launcher = root.querySelector(".rw-launcher");
    if (launcher) {
      setAttr(launcher, "aria-label", open ? TEXTS.close : TEXTS.open);
      setAttr(launcher, "aria-expanded", open ? "true" : "false");
      launcher.querySelectorAll("img").forEach(function (img) { setAttr(img, "alt", ""); });
    }
    root.querySelectorAll(".rw-close-button").forEach(function (button) {
      setAttr(button, "aria-label", TEXTS.close);
      button.querySelectorAll("img").forEach(function (img) { setAttr(img, "alt", ""); });
    });
    root.querySelectorAll(".rw-avatar").forEach(function (img) { setAttr(img, "alt", ""); });
    var input = root.querySelector(".rw-new-message");
    if (input) setAttr(input, "aria-label", TEXTS.input);
    var send = root.querySelector(".rw-send");
    if (send) {
      setAttr(send, "aria-label", TEXTS.send);
      send.querySelectorAll("svg").forEach(function (svg) { setAttr(svg, "aria-hidden", "true"); });
    }
    var log = root.querySelector(".rw-messages-container");
    if (log) {
      setAttr(log, "role", "log");
      setAttr(log, "aria-live", "polite");
      setAttr(log, "aria-label", TEXTS.conversation);
      setAttr(log, "tabindex", "0"); // scrollable by keyboard
    }
    // Quick replies are <div>s with a click handler: make them buttons for the keyboard.
    root.querySelectorAll("div.rw-reply").forEach(function (reply) {
      setAttr(reply, "role", "button");
      setAttr(reply, "tabindex", "0");
    });
  }

  function onKeydown(root, event) {
    var target = event.target;
    if (target.classList && target.classList.contains("rw-reply") && target.tagName === "DIV" &&
        (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      target.click();
      var input = root.querySelector(".rw-new-message");
      if (input) input.focus();
    } else if (event.key === "Escape" && root.querySelector(".rw-chat-open")) {
      var launcher = root.querySelector(".rw-launcher");
      if (launcher) {
        launcher.click();
        launcher.focus();
      }
    }
  }

  // --- the notice shown while the assistant cannot be reached ---------------------------

  function createNotice(root, text) {
    var notice = document.createElement("div");
    notice.className = "ac-unavailable";
    notice.setAttribute("role", "alert");
    notice.hidden = true;
    notice.textContent = text;
    root.appendChild(notice);
    return {
      show: function () {
        notice.hidden = false;
        root.classList.add("ac-down");
      },
      hide: function () {
        notice.hidden = true;
        root.classList.remove("ac-down");
      },
    };
  }

  function start(userOptions) {
    var options = assign({}, DEFAULTS, userOptions);
    if (!options.socketUrl) throw new Error("AsistenteConsular.start: falta socketUrl (la URL del servidor Rasa).");
    if (!window.WebChat || typeof window.WebChat.default !== "function") {
      throw new Error("AsistenteConsular.start: cargue vendor/rasa-webchat.js antes que asistente-consular.js.");
    }
    var host = resolveElement(options.element);
    host.classList.add("ac-root");
    var mount = document.createElement("div");
    host.appendChild(mount);
    var notice = createNotice(host, options.unavailableText);

    var customData = assign({ language: document.documentElement.lang || "es" }, options.customData);
    var socketEvents = assign({}, options.onSocketEvent);
    function chain(name, own) {
      var theirs = socketEvents[name];
      socketEvents[name] = function () {
        own.apply(null, arguments);
        if (theirs) theirs.apply(null, arguments);
      };
    }
    chain("connect", notice.hide);
    chain("connect_error", notice.show);
    chain("disconnect", function (reason) {
      if (reason !== "io client disconnect") notice.show();
    });

    var props = assign({}, options, {
      customData: customData,
      onSocketEvent: socketEvents,
      params: assign({}, options.params, { storage: options.storage }),
      hideWhenNotConnected: false, // say that the assistant is down instead of vanishing
      withRules: false, // rasa-webchat hides itself until the server sends rules otherwise
      customMessageDelay: options.customMessageDelay || function () { return 400; },
    });
    OWN_OPTIONS.forEach(function (key) { delete props[key]; });

    window.WebChat.default(props, mount);
    var update = function () { enhance(host); };
    new MutationObserver(update).observe(host, { childList: true, subtree: true, attributes: true,
      attributeFilter: ["class"] });
    host.addEventListener("keydown", function (event) { onKeydown(host, event); });
    update();

    return {
      element: host,
      open: function () {
        var launcher = host.querySelector(".rw-launcher");
        if (launcher && !host.querySelector(".rw-chat-open")) launcher.click();
        var input = host.querySelector(".rw-new-message");
        if (input) input.focus();
      },
    };
  }

  window.AsistenteConsular = { start: start, defaults: DEFAULTS };
})();
