// The upload form of a case page: drop a file onto it or choose one, then it is sent in the background with a
// progress bar; the server answers JSON (where to go, or what was wrong). Without JavaScript the form posts as is.
document.querySelectorAll("form[data-upload]").forEach((form) => {
  const zone = form.querySelector("[data-dropzone]");
  const input = form.querySelector("input[type=file]");
  const bar = form.querySelector("progress");
  const status = form.querySelector("[data-upload-status]");
  const button = form.querySelector("button[type=submit]");

  const say = (text, isError) => {
    status.textContent = text;
    status.classList.toggle("field-error", Boolean(isError));
  };
  const chosen = () => {
    if (input.files.length) {
      say("Выбран файл: " + input.files[0].name, false);
    }
  };

  input.addEventListener("change", chosen);
  ["dragenter", "dragover"].forEach((type) =>
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    })
  );
  ["dragleave", "drop"].forEach((type) =>
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.remove("dragging");
    })
  );
  zone.addEventListener("drop", (event) => {
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      chosen();
    }
  });

  form.addEventListener("submit", (event) => {
    if (event.defaultPrevented || !window.FormData) {
      return;
    }
    event.preventDefault();
    if (!input.files.length) {
      say("Выберите файл", true);
      return;
    }
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (progress) => {
      if (progress.lengthComputable) {
        bar.hidden = false;
        bar.value = progress.loaded / progress.total;
        say("Загружено " + Math.round((100 * progress.loaded) / progress.total) + "%", false);
      }
    });
    request.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch (error) {
        body = null;
      }
      if (request.status < 300 && body && body.redirect) {
        const target = new URL(body.redirect, window.location.href);
        window.location.assign(target.href);
        if (target.pathname === window.location.pathname) {
          window.location.reload(); // only the #fragment changed: show the new document
        }
        return;
      }
      const message = body && body.error ? body.error.message : "Не удалось загрузить файл (ошибка " + request.status + ")";
      say(message, true);
      bar.hidden = true;
      button.disabled = false;
    });
    request.addEventListener("error", () => {
      say("Связь с сервером прервалась: файл не загружен, повторите", true);
      bar.hidden = true;
      button.disabled = false;
    });
    button.disabled = true;
    say("Загрузка…", false);
    request.send(new FormData(form));
  });
});
