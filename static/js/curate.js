// Keyboard shortcuts for the curator queue: j/k move, a approve, r reject, e edit, x select.
(function () {
  var current = -1;
  function items() { return Array.prototype.slice.call(document.querySelectorAll(".queue-item")); }
  function focus(index) {
    var list = items();
    if (!list.length) return;
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach(function (el) { el.classList.remove("focused"); });
    list[current].classList.add("focused");
    list[current].focus({ preventScroll: true });
    list[current].scrollIntoView({ block: "nearest" });
  }
  function here() { return items()[current]; }
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea" || event.ctrlKey || event.metaKey || event.altKey) return;
    var item = here();
    if (event.key === "j") { focus(current + 1); }
    else if (event.key === "k") { focus(current - 1); }
    else if (event.key === "a" && item) { var a = item.querySelector("button.approve"); if (a) a.click(); }
    else if (event.key === "r" && item) { var r = item.querySelector("form.reject input[name=reason]"); if (r) r.focus(); }
    else if (event.key === "e" && item) { var e = item.querySelector("details.edit"); if (e) { e.open = true; var f = e.querySelector("input"); if (f) f.focus(); } }
    else if (event.key === "x" && item) { var c = item.querySelector("input[type=checkbox]"); if (c) c.checked = !c.checked; }
    else { return; }
    event.preventDefault();
  });
  // After a decision is swapped in, keep the place: focus the next undecided item.
  document.addEventListener("htmx:afterSwap", function () {
    var list = items();
    for (var i = Math.max(current, 0); i < list.length; i++) {
      if (!list[i].classList.contains("decided")) { focus(i); return; }
    }
  });
  document.addEventListener("DOMContentLoaded", function () { if (items().length) focus(0); });
})();
