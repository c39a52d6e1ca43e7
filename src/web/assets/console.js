// hookgate console: small progressive enhancements. Every page works without this file.
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // One press, one request: a second click while a test is being sent would send a second one.
  for (const button of form.querySelectorAll("button[type=submit]")) {
    button.disabled = true;
    if (form.action.endsWith("/test")) button.textContent = "Sending…";
  }
});
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(
    () => { button.textContent = "Copied"; },
    () => { button.textContent = "Copy failed: select the text"; },
  );
});
// A page restored from the back/forward cache keeps its disabled buttons: enable them again.
window.addEventListener("pageshow", () => {
  for (const button of document.querySelectorAll("button[disabled]")) button.disabled = false;
});
