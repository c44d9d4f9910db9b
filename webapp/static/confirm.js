// Asks before anything destructive: a form with data-confirm="question" is sent only once confirmed; so is a form
// sent by a button with its own data-confirm (one form, several actions: the case list's bulk change).
// (A listener in a file rather than onsubmit attributes: the Content-Security-Policy allows no inline script.)
document.addEventListener("submit", (event) => {
  const button = event.submitter && event.submitter.dataset ? event.submitter.dataset.confirm : undefined;
  const question = button || (event.target.dataset ? event.target.dataset.confirm : undefined);
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
