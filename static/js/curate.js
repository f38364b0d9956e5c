// Keyboard shortcuts for the curator queue: j/k move, a approve, r reject, e edit, x select, Esc close.
// A shortcut never fires while the curator is typing: in a field, in an open editor, mid-composition
// (an IME), or with a modifier held. Typing "LLaMA" into the model field once approved a receipt.
(function () {
  "use strict";
  var current = -1;
  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

  function items() { return Array.prototype.slice.call(document.querySelectorAll(".queue-item")); }

  function focus(index) {
    var list = items();
    if (!list.length) return;
    current = Math.max(0, Math.min(index, list.length - 1));
    mark(list[current]);
    list[current].focus({ preventScroll: true });
    list[current].scrollIntoView({ block: "nearest" });
  }

  function mark(item) {
    items().forEach(function (el) { el.classList.toggle("focused", el === item); });
  }

  function here() { return items()[current]; }

  function typing(target) {
    if (!target || !target.closest) return false;
    if (target.isContentEditable) return true;
    return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false]), details.edit[open] > form"));
  }

  function busy(item) { return Boolean(item.querySelector(".htmx-request")) || item.classList.contains("htmx-request"); }

  function openEditor(item) {
    var editor = item.querySelector("details.edit");
    if (!editor) return;
    editor.open = true;
    var form = editor.querySelector("form");
    if (!form) return;
    // After a refused edit, the first field the server named (data-invalid); else the first field.
    var invalid = (form.getAttribute("data-invalid") || "").split(" ").filter(Boolean);
    invalid.forEach(function (name) {
      var el = form.querySelector("[name='" + name + "']");
      if (el) el.setAttribute("aria-invalid", "true");
    });
    var field = form.querySelector("[aria-invalid=true]") || form.querySelector(FIELDS);
    if (field) { field.focus(); if (field.select) field.select(); }
  }

  // Escape from an editor or a field inside an item: close the editor, back to the item's row.
  function escape(event) {
    var item = event.target.closest && event.target.closest(".queue-item");
    if (!item) return;
    var editor = item.querySelector("details.edit[open]");
    if (editor) {
      editor.open = false;
      var form = editor.querySelector("form");
      if (form) form.reset();  // what was typed and abandoned must not wait there to be saved later
    }
    focus(items().indexOf(item));
    event.preventDefault();
  }

  var KEYS = {
    j: function () { focus(current + 1); },
    k: function () { focus(current - 1); },
    a: function (item) { var a = item.querySelector("button.approve"); if (a) a.click(); },
    r: function (item) { var r = item.querySelector("form.reject input[name=reason]"); if (r) r.focus(); },
    e: openEditor,
    x: function (item) { var c = item.querySelector("input[type=checkbox]"); if (c) c.checked = !c.checked; }
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.isComposing || event.keyCode === 229) return;
    if (event.key === "Escape") { escape(event); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var action = Object.prototype.hasOwnProperty.call(KEYS, event.key) ? KEYS[event.key] : null;
    var item = here();
    if (!action || (event.key !== "j" && event.key !== "k" && (!item || busy(item)))) return;
    action(item);
    event.preventDefault();
  });

  // Clicking or tabbing into an item makes it the current one, so the keys act where the curator is.
  document.addEventListener("focusin", function (event) {
    var item = event.target.closest && event.target.closest(".queue-item");
    if (!item) return;
    current = items().indexOf(item);
    mark(item);
  });

  // A decided item swapped in: go on to the next pending one, so `a` again acts on the next receipt.
  // A refused one (errors) or a reopened one keeps the focus: its editor's first field, or its row.
  // After settle, not swap: htmx first gives the new <li> the old one's attributes (same id) and
  // restores its own only when it settles, so at afterSwap it does not look decided yet.
  document.addEventListener("htmx:afterSettle", function (event) {
    var item = event.target;
    if (!item.classList || !item.classList.contains("queue-item")) return;
    var list = items();
    var index = list.indexOf(item);
    if (!item.classList.contains("decided")) {
      if (item.querySelector("details.edit[open]")) { current = index; mark(item); openEditor(item); }
      else focus(index);
      return;
    }
    var order = list.slice(index + 1).concat(list.slice(0, index));
    var next = order.filter(function (el) { return !el.classList.contains("decided"); })[0];
    focus(list.indexOf(next || item));
  });

  document.addEventListener("DOMContentLoaded", function () { if (items().length) focus(0); });
})();
