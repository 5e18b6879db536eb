// 智能派单: a suggestion button fills the dispatch form's lead department select with its department.
// (The partial may be on a page twice, once per form: one listener serves both.)
if (!window.lianxiRoutingSuggestions) {
  window.lianxiRoutingSuggestions = true;
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".routing-suggestion");
    if (!button) return;
    const box = button.closest("[data-routing-target]");
    const select = box && document.getElementById(box.dataset.routingTarget);
    if (!select) return;
    select.value = button.dataset.department;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    box.querySelectorAll(".routing-suggestion").forEach((other) => {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
  });
}
