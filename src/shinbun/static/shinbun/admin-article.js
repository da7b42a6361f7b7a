// The article form's body tools (templates/admin/newsroom/article/body_tools.html):
// a picker that inserts [[figure:key]] at the cursor (and creates a figure in the admin's
// related-object popup), and a live preview of the body rendered by the server's own
// renderer. A static file: the admin runs under the site's
// Content-Security-Policy, which refuses inline script.
// Loaded in the page's head (ModelAdmin.Media): it starts once the form is there.
function startBodyTools() {
  "use strict";

  const tools = document.getElementById("body-tools");
  const body = document.getElementById("id_body_source");
  if (!tools || !body) {
    return;
  }
  const lead = document.getElementById("id_lead");
  const pane = document.getElementById("body-preview");
  const search = document.getElementById("figure-search");
  const choice = document.getElementById("figure-choice");
  const insert = document.getElementById("figure-insert");
  const created = document.getElementById("figure-created");
  const status = document.getElementById("figure-status");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
  const FIGURE = /^\s*\[\[figure:([A-Za-z0-9_.-]+)\]\]\s*$/gm;

  // Under the body field, where the editor's eyes are.
  (body.closest(".form-row") || body.parentElement).after(tools);
  tools.hidden = false;

  function debounce(fn, ms) {
    let timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function keysInBody() {
    return Array.from(body.value.matchAll(FIGURE), (match) => match[1]);
  }

  // Preview ----------------------------------------------------------------------

  let sent = 0;
  async function refreshPreview() {
    const mine = ++sent;
    const data = new FormData();
    data.append("body_source", body.value);
    data.append("lead", lead ? lead.value : "");
    try {
      const response = await fetch(tools.dataset.previewUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf ? csrf.value : "" },
      });
      const text = await response.text();
      if (mine !== sent) {
        return; // a newer preview is on its way
      }
      if (response.ok) {
        pane.innerHTML = text; // sanitised and escaped by the server's renderer
      } else {
        showError((response.headers.get("Content-Type") || "").startsWith("text/plain") ? text : "");
      }
    } catch (error) {
      if (mine === sent) {
        showError("");
      }
    }
  }

  function showError(message) {
    const note = document.createElement("p");
    note.className = "errornote";
    note.textContent = message || tools.dataset.previewError;
    pane.replaceChildren(note);
  }

  // Figures ----------------------------------------------------------------------

  let shownKeys = "";
  let asked = 0;
  let pick = 0; // the id of a figure just created in the popup: selected once listed
  async function loadFigures() {
    const mine = ++asked;
    const params = new URLSearchParams({ q: search.value.trim(), keys: keysInBody().join(",") });
    shownKeys = params.get("keys");
    try {
      const response = await fetch(`${tools.dataset.figuresUrl}?${params}`, {
        credentials: "same-origin",
      });
      if (!response.ok) {
        return;
      }
      const { figures } = await response.json();
      if (mine !== asked) {
        return; // a newer list is on its way
      }
      const picked = figures.find((figure) => figure.id === pick);
      const selected = picked ? picked.key : choice.value;
      const groups = [
        [tools.dataset.labelArticle, figures.filter((figure) => figure.in_article)],
        [tools.dataset.labelOthers, figures.filter((figure) => !figure.in_article)],
      ];
      choice.replaceChildren();
      for (const [label, members] of groups) {
        if (!members.length) {
          continue;
        }
        const group = document.createElement("optgroup");
        group.label = label;
        for (const figure of members) {
          const option = new Option(`${figure.title}(${figure.kind}・${figure.key})`, figure.key);
          option.selected = figure.key === selected;
          group.append(option);
        }
        choice.append(group);
      }
      if (picked) {
        pick = 0;
        status.textContent = tools.dataset.created.replace("%(title)s", picked.title);
        choice.focus();
      }
    } catch (error) {
      // The list stays as it was; the editor can still type the key.
    }
  }

  // Django's dismissAddRelatedObjectPopup() writes the new figure's id into the hidden
  // input and announces it with a jQuery "change" event (not a DOM event).
  function figureCreated() {
    const id = Number(created.value);
    created.value = "";
    if (id) {
      pick = id;
      search.value = ""; // the new figure is the newest: first among the others
      loadFigures();
    }
  }

  let touched = false;
  body.addEventListener("focus", () => {
    touched = true;
  });

  function insertFigure() {
    const key = choice.value;
    if (!key) {
      choice.focus();
      return;
    }
    const token = `[[figure:${key}]]`;
    // Before the editor has put the cursor anywhere, the figure goes at the end.
    const start = touched ? body.selectionStart : body.value.length;
    const end = touched ? body.selectionEnd : body.value.length;
    const before = body.value.slice(0, start).replace(/\s+$/, "");
    const after = body.value.slice(end).replace(/^\s+/, "");
    // A figure is a paragraph of its own: blank lines around it.
    const head = before ? `${before}\n\n` : "";
    body.value = `${head}${token}${after ? `\n\n${after}` : ""}`;
    const caret = head.length + token.length;
    body.focus();
    body.setSelectionRange(caret, caret);
    body.dispatchEvent(new Event("input", { bubbles: true }));
    status.textContent = "";
  }

  const later = debounce(refreshPreview, 400);
  body.addEventListener("input", () => {
    later();
    if (keysInBody().join(",") !== shownKeys) {
      loadFigures();
    }
  });
  if (lead) {
    lead.addEventListener("input", later);
  }
  search.addEventListener("input", debounce(loadFigures, 300));
  if (created && window.django && django.jQuery) {
    django.jQuery(created).on("change", figureCreated);
  }
  insert.addEventListener("click", insertFigure);
  choice.addEventListener("dblclick", insertFigure);
  // A figure made in another tab appears when the editor comes back.
  window.addEventListener("focus", loadFigures);

  refreshPreview();
  loadFigures();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", startBodyTools);
} else {
  startBodyTools();
}
