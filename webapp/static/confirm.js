// Asks before anything destructive: a form with data-confirm="question" is sent only once confirmed.
// (A listener in a file rather than onsubmit attributes: the Content-Security-Policy allows no inline script.)
document.addEventListener("submit", (event) => {
  const question = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
