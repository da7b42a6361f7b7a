// shinbun: the one small script. Pages work without it; it adds copy-to-clipboard
// with visible feedback, the print button of the print view, and sends the member
// buttons (follow, save) without leaving the page; it counts an article's read for the
// アクセスランキング.
//
// It is loaded in <head> without `defer`, so the lines before DOMContentLoaded run before
// the first paint (the class for the reader's 文字サイズ, no flash of the larger text);
// everything that touches the page belongs in the DOMContentLoaded handler.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  // 文字サイズ on the article page: "", "large" or "xlarge", kept in this browser.
  var TEXT_SIZES = ["", "large", "xlarge"];
  function storedTextSize() {
    try {
      var size = window.localStorage.getItem("shinbun:text-size") || "";
      return TEXT_SIZES.indexOf(size) >= 0 ? size : "";
    } catch (e) { return ""; }
  }
  function applyTextSize(size) {
    TEXT_SIZES.forEach(function (name) {
      if (name) { root.classList.toggle("text-" + name, name === size); }
    });
  }
  applyTextSize(storedTextSize());

  // ふりがな: the readings stored with an article's text, shown when the reader turns
  // them on (the class on <html>, kept in this browser like the text size).
  function storedFurigana() {
    try { return window.localStorage.getItem("shinbun:furigana") === "on"; } catch (e) { return false; }
  }
  root.classList.toggle("furigana", storedFurigana());
  var lang = document.documentElement.lang || "ja";
  var texts = lang === "en"
    ? { copied: "Link copied", failed: "Could not copy. Please copy the address shown.",
        errorTitle: "Error", actionFailed: "The operation could not be completed. Please try again later." }
    : { copied: "リンクをコピーしました", failed: "コピーできませんでした。表示されたURLをコピーしてください。",
        errorTitle: "エラー", actionFailed: "操作を実行できませんでした。時間を空けて再度お試しください。" };

  // A member button: the form names the state it asks for ("on" or "off"); the answer
  // is the state now, shown by the form's data-state. A failure changes nothing and says
  // so; sending again is harmless.
  function sendMemberAction(form, button) {
    var status = form.querySelector(".action-status");
    var data = new FormData(form);
    data.set("state", button.value);
    form.classList.add("busy");
    button.disabled = true;
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) { throw { answer: body }; }
        form.setAttribute("data-state", body.state);
        if (status) { status.textContent = body.message || ""; }
        var other = form.querySelector(body.state === "on" ? "button.when-on" : "button.when-off");
        if (other && document.activeElement === button) { other.focus(); }
      });
    }).catch(function (failure) {
      // The server's own words when it answered; the SPEC's words for anything else.
      var body = (failure && failure.answer) || {};
      if (status) {
        status.textContent = (body.title || texts.errorTitle) + ": " + (body.message || texts.actionFailed);
        status.setAttribute("role", "alert");
      }
      form.classList.add("failed");
    }).then(function () {
      form.classList.remove("busy");
      button.disabled = false;
    });
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function setUpTextSize(control) {
    var buttons = control.querySelectorAll("button[data-text-size]");
    function show(size) {
      buttons.forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.getAttribute("data-text-size") === size));
      });
    }
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var size = button.getAttribute("data-text-size");
        try { window.localStorage.setItem("shinbun:text-size", size); } catch (e) { /* this page only */ }
        applyTextSize(size);
        show(size);
      });
    });
    show(storedTextSize());
    control.hidden = false;
  }

  function setUpFurigana(button) {
    button.setAttribute("aria-pressed", String(root.classList.contains("furigana")));
    button.addEventListener("click", function () {
      var on = !root.classList.contains("furigana");
      try { window.localStorage.setItem("shinbun:furigana", on ? "on" : "off"); } catch (e) { /* this page only */ }
      root.classList.toggle("furigana", on);
      document.querySelectorAll(".furigana-toggle").forEach(function (b) {
        b.setAttribute("aria-pressed", String(on));
      });
    });
    button.hidden = false;
  }

  // The section menu scrolls sideways on a phone; the arrow shows while more lies to the right.
  function setUpSectionHint(nav) {
    var list = nav.querySelector("ul");
    if (!list) { return; }
    function update() {
      nav.classList.toggle("has-more", list.scrollLeft + list.clientWidth < list.scrollWidth - 4);
    }
    list.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    update();
  }

  // Menus made of <details> (share, account) close on a click elsewhere or on Escape.
  function closeMenus(except) {
    document.querySelectorAll("details.share-menu[open], details.account-menu[open]").forEach(function (menu) {
      if (menu !== except) { menu.open = false; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".text-size").forEach(setUpTextSize);
    document.querySelectorAll(".furigana-toggle").forEach(setUpFurigana);
    document.querySelectorAll("nav.sections").forEach(setUpSectionHint);
    document.addEventListener("click", function (event) {
      closeMenus(event.target.closest && event.target.closest("details"));
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") { return; }
      var open = document.activeElement &&
        document.activeElement.closest("details.share-menu[open], details.account-menu[open]");
      closeMenus(null);
      if (open) { open.querySelector("summary").focus(); }
    });
    document.querySelectorAll("button.copy-link").forEach(function (button) {
      button.hidden = false;
      var bar = button.closest(".action-bar");
      var status = bar && bar.querySelector(".copy-status");
      button.addEventListener("click", function () {
        copy(button.getAttribute("data-copy")).then(function () {
          if (status) { status.textContent = texts.copied; }
          button.classList.add("copied");
        }, function () {
          if (status) { status.textContent = texts.failed; }
          var fallback = bar && bar.querySelector(".copy-fallback");
          if (fallback) { fallback.style.display = "inline"; }
        });
        window.setTimeout(function () {
          if (status) { status.textContent = ""; }
          button.classList.remove("copied");
        }, 4000);
      });
    });
    document.querySelectorAll("form.member-action").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var button = event.submitter;
        if (!button || !window.fetch || !window.FormData) { return; }
        event.preventDefault();
        form.classList.remove("failed");
        var status = form.querySelector(".action-status");
        if (status) { status.setAttribute("role", "status"); }
        sendMemberAction(form, button);
      });
    });
    // The newsletter box: the outcome is shown under the form (the page stays cached
    // and the same for everyone; the answer is a request of its own).
    document.querySelectorAll("form[data-newsletter]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var outcome = form.querySelector(".newsletter-outcome");
        var button = form.querySelector("button[type=submit]");
        button.disabled = true;
        fetch(form.action, {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: { "Accept": "application/json" }
        }).then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            outcome.textContent = body.message || (texts.errorTitle + ": " + texts.actionFailed);
            outcome.className = "newsletter-outcome " + (response.ok ? body.outcome : "error");
          });
        }).catch(function () {
          outcome.textContent = texts.errorTitle + ": " + texts.actionFailed;
          outcome.className = "newsletter-outcome error";
        }).then(function () {
          outcome.hidden = false;
          button.disabled = false;
        });
      });
    });
    document.querySelectorAll("button.print-now").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
    // アクセスランキング: one read per article and browser session, counted when the page
    // is shown (a prerendered page waits until the reader opens it). The page is cached
    // and the same for everyone, so the count is a request of its own (/reads/<id>/).
    var read = document.querySelector("article.article[data-article-id]");
    if (read && navigator.sendBeacon) {
      var countRead = function () {
        var id = read.getAttribute("data-article-id");
        try {
          if (window.sessionStorage.getItem("read:" + id)) { return; }
          if (navigator.sendBeacon("/reads/" + id + "/")) { window.sessionStorage.setItem("read:" + id, "1"); }
        } catch (e) { /* no session storage: no count rather than one per view */ }
      };
      if (document.prerendering) {
        document.addEventListener("prerenderingchange", countRead, { once: true });
      } else {
        countRead();
      }
    }
  });
})();
