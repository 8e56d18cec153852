// Clipboard for the SecretOnceDialog: the async Clipboard API where allowed, else a selection fallback.
window.portalClipboard = {
  copy: async function (text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (e) { /* fall through */ }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.value = "";
    document.body.removeChild(area);
    return ok;
  }
};

// Dialog focus: a confirm dialog starts on its safe button; when any dialog closes, focus returns to what opened it
// (or to the page's <main> when that element is gone), never to <body>.
window.portalFocus = {
  safe: function (id) {
    const element = document.getElementById(id);
    if (element) element.focus();
  }
};
(function () {
  let lastFocused = null;
  let opener = null;
  let dialogOpen = false;
  document.addEventListener("focusin", function (e) {
    if (e.target instanceof Element && !e.target.closest(".mud-dialog-container, .mud-popover")) lastFocused = e.target;
  }, true);
  new MutationObserver(function () {
    const open = document.querySelector(".mud-dialog-container") !== null;
    if (open && !dialogOpen) {
      opener = lastFocused;
    } else if (!open && dialogOpen) {
      const target = opener && document.contains(opener) ? opener : document.getElementById("main");
      opener = null;
      if (target && (document.activeElement === document.body || document.activeElement === null)) target.focus();
    }
    dialogOpen = open;
  }).observe(document.body, { childList: true, subtree: true });
})();
