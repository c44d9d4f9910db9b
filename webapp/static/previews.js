// Page images: placeholders that fill in by themselves (the viewer, the compare page, thumbnails on the case page
// and in search results), and the viewer's zoom, rotation, thumbnail strip and keyboard navigation. Loaded as a
// file: the Content-Security-Policy allows no inline script.
(() => {
  const POLL_MS = 2000;

  // --- Placeholders: img[data-pending="image"|"thumbnail"][data-page][data-poll-url] ---------------------------
  const pending = () => Array.from(document.querySelectorAll("img[data-pending][data-poll-url]"));

  const fill = (url, record) => {
    const pages = new Map(record.pages.map((page) => [String(page.number), page]));
    pending()
      .filter((img) => img.dataset.pollUrl === url)
      .forEach((img) => {
        const page = pages.get(img.dataset.page);
        if (!page) {
          return;
        }
        const thumbnail = img.dataset.pending === "thumbnail";
        img.src = thumbnail ? page.thumbnail_url : page.image_url;
        if (!thumbnail) {
          img.width = page.width;
          img.height = page.height;
          img.alt = "Страница " + page.number;
          const figure = img.closest("figure");
          if (figure) {
            figure.classList.remove("pending");
          }
        }
        delete img.dataset.pending;
      });
    if (record.status === "failed") {
      pending()
        .filter((img) => img.dataset.pollUrl === url)
        .forEach((img) => {
          img.alt = record.error;
          img.title = record.error;
          delete img.dataset.pending;
        });
    }
  };

  const poll = () => {
    const urls = new Set(pending().map((img) => img.dataset.pollUrl));
    if (!urls.size) {
      return;
    }
    Promise.all(
      Array.from(urls).map((url) =>
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then((response) => (response.ok ? response.json() : null))
          .then((record) => {
            if (record) {
              grow(url, record);
              fill(url, record);
            }
          })
          .catch(() => null)
      )
    ).then(() => window.setTimeout(poll, POLL_MS));
  };

  // --- The viewer: more pages than placeholders once the count is known ---------------------------------------
  const viewer = document.querySelector("[data-viewer]");

  const grow = (url, record) => {
    if (!viewer || viewer.dataset.pollUrl !== url || !record.count) {
      return;
    }
    const pagesBox = viewer.querySelector("[data-pages]");
    const strip = viewer.querySelector(".viewer-strip");
    const figures = pagesBox.querySelectorAll("figure[data-page]");
    const lastFigure = figures[figures.length - 1];
    const lastThumb = strip ? strip.querySelector("a[data-thumb]:last-of-type") : null;
    for (let number = figures.length + 1; lastFigure && number <= record.count; number += 1) {
      const figure = lastFigure.cloneNode(true);
      figure.id = "page-" + number;
      figure.dataset.page = String(number);
      figure.classList.add("pending");
      unmarked(figure);
      const img = figure.querySelector("img");
      img.dataset.pending = "image";
      img.dataset.page = String(number);
      img.dataset.pollUrl = url;
      figure.querySelector("figcaption").textContent = number + " из " + record.count;
      pagesBox.appendChild(figure);
      if (lastThumb) {
        const thumb = lastThumb.cloneNode(true);
        thumb.href = "#page-" + number;
        thumb.dataset.thumb = String(number);
        const small = thumb.querySelector("img");
        small.dataset.pending = "thumbnail";
        small.dataset.page = String(number);
        small.dataset.pollUrl = url;
        small.alt = "Миниатюра страницы " + number;
        thumb.querySelector("span").textContent = String(number);
        strip.appendChild(thumb);
      }
    }
  };

  // --- The search's words marked on the pages: [data-viewer][data-marks-url] (the marks of "page 0") -----------
  // Each page figure gets its own marks URL; once its image has loaded, the boxes (fractions of the page) are placed
  // over it in percentages, inside a wrapper the size of the image, so they follow the zoom.
  const marksUrl = viewer ? viewer.dataset.marksUrl : "";

  const unmarked = (figure) => {
    // a figure cloned from a marked one: its own page, its own marks
    const wrapper = figure.querySelector(".viewer-marked");
    if (wrapper) {
      const img = wrapper.querySelector("img");
      if (img) {
        wrapper.replaceWith(img);
      }
    }
    delete figure.dataset.marked;
    if (marksUrl) {
      figure.dataset.marksUrl = marksUrl.replace("/pages/0/marks.json", "/pages/" + figure.dataset.page + "/marks.json");
    }
  };

  const place = (figure, img, boxes) => {
    if (!boxes.length || (img.dataset.angle && img.dataset.angle !== "0")) {
      return;
    }
    const wrapper = document.createElement("span");
    wrapper.className = "viewer-marked";
    img.replaceWith(wrapper);
    wrapper.appendChild(img);
    boxes.forEach(([x, y, w, h]) => {
      const mark = document.createElement("span");
      mark.className = "viewer-mark";
      mark.setAttribute("aria-hidden", "true");
      mark.style.left = x * 100 + "%";
      mark.style.top = y * 100 + "%";
      mark.style.width = w * 100 + "%";
      mark.style.height = h * 100 + "%";
      wrapper.appendChild(mark);
    });
  };

  const mark = (figure) => {
    const img = figure.querySelector("img");
    if (!img || img.dataset.pending || figure.dataset.marked || !figure.dataset.marksUrl) {
      return;
    }
    if (!img.complete || !img.naturalWidth) {
      return; // its load event comes back here
    }
    figure.dataset.marked = "1";
    fetch(figure.dataset.marksUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => {
        if (answer && Array.isArray(answer.boxes)) {
          place(figure, img, answer.boxes);
        }
      })
      .catch(() => null);
  };

  if (viewer && marksUrl) {
    viewer.querySelectorAll("[data-pages] figure[data-page]").forEach((figure) => {
      unmarked(figure);
      mark(figure);
    });
    // an image loaded later (lazy, or a placeholder filled in): load events do not bubble, but they are captured
    viewer.addEventListener(
      "load",
      (event) => {
        const figure = event.target.closest && event.target.closest("figure[data-page]");
        if (figure && event.target.tagName === "IMG") {
          mark(figure);
        }
      },
      true
    );
  }

  // --- Zoom and rotation --------------------------------------------------------------------------------------
  let zoom = 100;
  const zoomed = () => {
    document.querySelectorAll("[data-pages], [data-compare]").forEach((box) => {
      box.style.setProperty("--zoom", zoom + "%");
    });
  };
  document.querySelectorAll("[data-zoom]").forEach((button) =>
    button.addEventListener("click", () => {
      const how = button.dataset.zoom;
      zoom = how === "fit" ? 100 : Math.max(25, Math.min(400, zoom + (how === "in" ? 25 : -25)));
      zoomed();
    })
  );

  const figuresInView = () => Array.from(document.querySelectorAll("[data-pages] figure[data-page], .compare-row[id]"));
  const current = () => {
    const all = figuresInView();
    const top = window.scrollY + 80;
    let found = all[0];
    all.forEach((figure) => {
      if (figure.getBoundingClientRect().top + window.scrollY <= top) {
        found = figure;
      }
    });
    return found;
  };
  document.querySelectorAll("[data-rotate]").forEach((button) =>
    button.addEventListener("click", () => {
      const at = current();
      if (!at) {
        return;
      }
      at.querySelectorAll("img").forEach((img) => {
        const angle = ((Number(img.dataset.angle || 0) + 90) % 360).toString();
        img.dataset.angle = angle;
        // A rotation does not reflow the page: a page turned on its side keeps the room of its height, so as much
        // room again is kept above and below it as its turned width needs (CSSOM, allowed by the CSP).
        const sideways = angle === "90" || angle === "270";
        const extra = Math.max(0, (img.clientWidth - img.clientHeight) / 2);
        img.style.marginBlock = sideways ? `${extra}px` : "";
        const wrapper = img.closest(".viewer-marked");
        if (wrapper) {
          wrapper.classList.toggle("rotated", angle !== "0"); // the marks do not turn with the page: hidden
        }
      });
    })
  );

  // --- Position, thumbnail strip, keyboard --------------------------------------------------------------------
  const position = document.querySelector("[data-position]");
  const shown = () => {
    const at = current();
    if (!at || !viewer) {
      return;
    }
    const number = at.dataset.page || at.id.replace("page-", "");
    if (position) {
      const count = viewer.dataset.count || figuresInView().length;
      position.textContent = "Страница " + number + " из " + count;
    }
    viewer.querySelectorAll("a[data-thumb]").forEach((thumb) => {
      thumb.classList.toggle("current", thumb.dataset.thumb === number);
    });
  };
  const go = (figure) => {
    if (figure) {
      figure.scrollIntoView({ block: "start" });
      shown();
    }
  };
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target && ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName)) {
      return;
    }
    const all = figuresInView();
    if (!all.length) {
      return; // not a viewer: the keys keep their usual meaning
    }
    const at = all.indexOf(current());
    const moves = {
      PageDown: at + 1,
      ArrowDown: at + 1,
      ArrowRight: at + 1,
      PageUp: at - 1,
      ArrowUp: at - 1,
      ArrowLeft: at - 1,
      Home: 0,
      End: all.length - 1,
    };
    if (!(event.key in moves) || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    event.preventDefault();
    go(all[Math.max(0, Math.min(all.length - 1, moves[event.key]))]);
  });
  window.addEventListener("scroll", shown, { passive: true });

  if (viewer && viewer.dataset.start && viewer.dataset.start !== "1") {
    go(document.getElementById("page-" + viewer.dataset.start));
  }
  shown();
  if (viewer) {
    viewer.dataset.ready = "1"; // the keys are ours from now on
  }
  window.setTimeout(poll, POLL_MS);
})();
