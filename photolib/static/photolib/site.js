// Behaviour that used to sit in inline handlers, which the Content-Security-Policy
// forbids: a form asks before it is sent (data-confirm), and a form sends itself to
// the address chosen in one of its selects (data-action-from).
"use strict";
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  const field = form.dataset.actionFrom;
  if (field && form.elements[field]) form.action = form.elements[field].value;
});
