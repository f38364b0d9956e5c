// The leaderboard picker: choosing "model|setting" fills the two fields and shows that board.
// (A static module rather than an inline handler, so the Content Security Policy can forbid inline script.)
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.matches || !select.matches("select[data-board-picker]")) return;
  var parts = select.value.split("|");
  select.form.elements.model.value = parts[0];
  select.form.elements.setting.value = parts[1] || "";
  select.form.submit();
});
