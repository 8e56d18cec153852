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
  // MudBlazor's focus trap focuses its own container (tabindex -1) a moment after the dialog renders: for the next
  // second, such a programmatic focus is sent on to the safe button; a user's Tab (to a real control) is left alone.
  safe: function (id) {
    const target = function () { return document.getElementById(id); };
    const first = target();
    if (first) first.focus();
    const until = Date.now() + 1000;
    const redirect = function (e) {
      const element = target();
      if (Date.now() > until || !element) { document.removeEventListener("focusin", redirect, true); return; }
      if (e.target !== element && e.target instanceof Element && e.target.getAttribute("tabindex") === "-1") element.focus();
    };
    document.addEventListener("focusin", redirect, true);
    setTimeout(function () { document.removeEventListener("focusin", redirect, true); }, 1000);
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
      // A dialog opened without a click (e.g. from the address) may leave the focus behind it, or on the focus trap's
      // own container: move it to the first control, so that Tab stays inside and Escape reaches the dialog.
      setTimeout(function () {
        const dialog = document.querySelector(".mud-dialog-container .mud-dialog");
        const active = document.activeElement;
        if (dialog && (!dialog.contains(active) || (active instanceof Element && active.getAttribute("tabindex") === "-1"))) {
          const first = dialog.querySelector("input:not([type=hidden]):not([disabled]), textarea, select, button:not([disabled]), [tabindex]:not([tabindex='-1'])");
          (first || dialog).focus();
        }
      }, 100);
    } else if (!open && dialogOpen) {
      const target = opener && document.contains(opener) ? opener : document.getElementById("main");
      opener = null;
      if (target && (document.activeElement === document.body || document.activeElement === null)) target.focus();
    }
    dialogOpen = open;
  }).observe(document.body, { childList: true, subtree: true });
})();
