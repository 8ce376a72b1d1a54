// Small behaviours with no inline script (the CSP forbids it). Every form works without this
// file; with it: rows added and removed in place with names that say which row, the catalog's
// controls kept in step with the address bar, the Test panel's waiting time, Cancel, copy
// buttons and views of the body.
"use strict";

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch (error) {
    return "";
  }
}

function randomToken() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// --- rows: key/value tables and input args -----------------------------------------------------

// "Query param 2 key", "Input arg 3 Name": each row's fields are named with the row's number.
function renumberRows(tbody) {
  const table = tbody.closest("table");
  const noun = table.dataset.rowLabel;
  if (!noun) return;
  Array.from(tbody.rows).forEach((row, index) => {
    row.querySelectorAll("[data-part]").forEach((element) => {
      const name = `${noun} ${index + 1} ${element.dataset.part}`;
      if (element.tagName === "LABEL") element.textContent = name;
      else element.setAttribute("aria-label", name);
    });
  });
}

function removeRow(button) {
  const row = button.closest("tr");
  const body = row.parentElement;
  const next = row.nextElementSibling || row.previousElementSibling;
  const deleteBox = row.querySelector("input[type=checkbox][name$='-DELETE']");
  if (deleteBox) {
    // A saved input arg: ticking DELETE removes it on save, as without JavaScript.
    deleteBox.checked = true;
    row.hidden = true;
  } else if (body.rows.length > 1) {
    row.remove();
  } else {
    row.querySelectorAll("input").forEach((input) => { input.value = ""; });
    row.querySelector("input")?.focus();
    return;
  }
  renumberRows(body);
  // Focus stays in the table: the next row's first field, else the add button.
  const target = next && !next.hidden ? next.querySelector("input:not([type=hidden]), select") : null;
  if (target) target.focus();
  else body.closest(".table-scroll").nextElementSibling?.focus();
}

document.addEventListener("click", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLElement)) return;

  if (target.matches(".remove-row")) removeRow(target);

  if (target.matches("[data-kv-add]")) {
    const table = document.querySelector(`table.kv[data-kv="${target.dataset.kvAdd}"] tbody`);
    const copy = table.rows[table.rows.length - 1].cloneNode(true);
    copy.querySelectorAll("input").forEach((input) => { input.value = ""; input.removeAttribute("id"); });
    table.appendChild(copy);
    renumberRows(table);
    copy.querySelector("input").focus();
  }

  if (target.id === "add-input-arg") {
    const total = document.getElementById("id_args-TOTAL_FORMS");
    const template = document.getElementById("input-arg-template");
    const html = template.innerHTML.replaceAll("__prefix__", total.value);
    const body = document.querySelector("#input-args tbody");
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(Number(total.value) + 1);
    renumberRows(body);
    body.rows[body.rows.length - 1].querySelector("input:not([type=hidden])")?.focus();
  }

  if (target.matches("[data-copy]")) copyText(target);
  if (target.matches("[data-view]")) showBodyView(target);
  if (target.matches("[data-cancel-test]")) cancelTest(target);
});

// --- copy buttons: the Clipboard API, else a selected text area and execCommand ----------------

function copyText(button) {
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  const text = source.dataset.copyText ?? source.textContent;
  const done = () => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, () => fallbackCopy(text) && done());
  } else if (fallbackCopy(text)) {
    done();
  }
}

function fallbackCopy(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "visually-hidden";
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
  area.remove();
  return ok;
}

// --- the body: pretty, raw, or a tree of collapsible JSON ----------------------------------------

function showBodyView(button) {
  const box = button.closest(".body-views");
  const view = button.dataset.view;
  if (view === "tree") buildTree(box);
  box.querySelectorAll("[data-body-view]").forEach((element) => {
    element.hidden = element.dataset.bodyView !== view;
  });
  box.querySelectorAll("[data-view]").forEach((element) => {
    element.setAttribute("aria-pressed", String(element.dataset.view === view));
  });
}

function buildTree(box) {
  const holder = box.querySelector("[data-body-view=tree]");
  if (!holder || holder.dataset.built) return;
  const raw = box.querySelector("[data-body-view=raw]").textContent;
  let value;
  try { value = JSON.parse(raw); } catch (error) { holder.textContent = "Not valid JSON: shown as raw text only."; return; }
  holder.replaceChildren(treeNode(value, null, 0));
  holder.dataset.built = "1";
}

// A long document opens in the folded view: build it once it is in the page.
function buildShownTrees() {
  document.querySelectorAll(".body-views").forEach((box) => {
    if (!box.querySelector("[data-body-view=tree]")?.hidden) buildTree(box);
  });
}

document.addEventListener("htmx:afterSettle", buildShownTrees);
document.addEventListener("htmx:historyRestore", buildShownTrees);
document.addEventListener("DOMContentLoaded", buildShownTrees);

function treeNode(value, key, depth) {
  const prefix = key === null ? "" : `${JSON.stringify(key)}: `;
  if (value === null || typeof value !== "object") {
    const line = document.createElement("div");
    line.textContent = prefix + JSON.stringify(value);
    return line;
  }
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
  const details = document.createElement("details");
  details.open = depth < 2;
  const summary = document.createElement("summary");
  const count = `${entries.length} ${isArray ? "item" : "key"}${entries.length === 1 ? "" : "s"}`;
  summary.textContent = `${prefix}${isArray ? "[" : "{"} ${count} ${isArray ? "]" : "}"}`;
  details.appendChild(summary);
  entries.forEach(([k, v]) => details.appendChild(treeNode(v, isArray ? null : k, depth + 1)));
  return details;
}

// --- the catalog: the URL holds its whole state ------------------------------------------------

let searchSettled = true;
let settleTimer = 0;

// Back and Forward bring rows back from htmx's history; the controls follow the address bar.
function syncCatalogControls() {
  const form = document.getElementById("catalog-controls");
  if (!form) return;
  const params = new URLSearchParams(location.search);
  Array.from(form.elements).forEach((element) => {
    if (!element.name || element.type === "submit") return;
    const fallback = element.tagName === "SELECT" ? element.options[0]?.value ?? "" : "";
    element.value = params.get(element.name) ?? fallback;
  });
}

document.addEventListener("htmx:historyRestore", () => {
  syncCatalogControls();
  syncRunField();
});
window.addEventListener("popstate", () => setTimeout(syncCatalogControls, 0));
window.addEventListener("pageshow", syncCatalogControls);

document.addEventListener("search", (event) => {
  if (event.target.id === "q") searchSettled = true;
});
document.addEventListener("change", (event) => {
  if (event.target.id === "q") searchSettled = true;
});

document.addEventListener("htmx:configRequest", (event) => {
  const element = event.detail.elt;
  if (element.id === "q") {
    // The first keystroke of a search makes a history entry; the next ones replace it.
    event.detail.headers["X-Studio-History"] = searchSettled ? "push" : "replace";
    searchSettled = false;
    clearTimeout(settleTimer);
    settleTimer = setTimeout(() => { searchSettled = true; }, 1500);
  }
  if (element.matches("[data-test-form]")) {
    element.dataset.token = randomToken();
    event.detail.parameters.test_token = element.dataset.token;
  }
});

// Import preview: select all / none (of the rows shown), filter by tag, live counts.
function importCounts(form) {
  const counts = { create: 0, update: 0, skip: 0 };
  form.querySelectorAll("#import-actions tbody tr").forEach((row) => {
    const keep = row.querySelector("input[type=checkbox]");
    const resolve = row.querySelector("[data-resolve]");
    let what = keep.dataset.default;
    if (resolve) what = resolve.value;
    if (!keep.checked || what === "skip") counts.skip += 1;
    else if (what === "overwrite") counts.update += 1;
    else counts.create += 1;
  });
  Object.entries(counts).forEach(([key, n]) => {
    const cell = form.querySelector(`[data-count="${key}"]`);
    if (cell) cell.textContent = String(n);
  });
}

document.querySelectorAll("[data-import-tools]").forEach((tools) => {
  tools.hidden = false;
  const form = tools.closest("form");
  const rows = () => form.querySelectorAll("#import-actions tbody tr");
  tools.querySelectorAll("[data-check]").forEach((button) => {
    button.addEventListener("click", () => {
      rows().forEach((row) => {
        if (!row.hidden) row.querySelector("input[type=checkbox]").checked = button.dataset.check === "all";
      });
      importCounts(form);
    });
  });
  tools.querySelector("[data-tag-filter]").addEventListener("change", (event) => {
    const tag = event.target.value;
    rows().forEach((row) => {
      row.hidden = Boolean(tag) && !row.dataset.tags.split("|").includes(tag);
    });
  });
  form.addEventListener("change", () => importCounts(form));
});

// --- the Test panel ----------------------------------------------------------------------------

let waitingTimer = 0;

document.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.detail.elt;
  if (!form.matches("[data-test-form]")) return;
  const started = performance.now();
  const clock = form.querySelector("[data-elapsed]");
  const cancel = form.querySelector("[data-cancel-test]");
  if (cancel) { cancel.disabled = false; cancel.textContent = "Cancel"; }
  clearInterval(waitingTimer);
  const tick = () => { clock.textContent = `${((performance.now() - started) / 1000).toFixed(1)} s`; };
  tick();
  waitingTimer = setInterval(tick, 100);
});

document.addEventListener("htmx:afterRequest", (event) => {
  if (event.detail.elt.matches("[data-test-form]")) clearInterval(waitingTimer);
});

function cancelTest(button) {
  const form = button.closest("[data-test-form]");
  if (!form || !form.dataset.token) return;
  button.disabled = true;
  button.textContent = "Cancelling…";
  const body = new FormData();
  body.append("test_token", form.dataset.token);
  fetch(form.dataset.cancelUrl, {
    method: "POST",
    body,
    headers: { "X-CSRFToken": csrfToken() },
    credentials: "same-origin",
  });
}

// The schema form keeps the Test result shown: it posts the run in the address bar.
function syncRunField() {
  const field = document.getElementById("schema-run");
  const run = new URLSearchParams(location.search).get("run");
  // A page without ?run (the schema form's own error page) keeps the run it was drawn with.
  if (field && (run || location.pathname.endsWith(field.form.dataset.actionPath))) field.value = run || "";
}

document.addEventListener("submit", (event) => {
  if (event.target.id === "schema-form") syncRunField();
});

document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail.target;
  if (!(target instanceof HTMLElement)) return;
  if (target.id === "result") {
    target.querySelector(".result-title")?.focus();
    syncRunField();
  }
  // The Test form came back with errors (swapped whole): focus its first invalid input.
  const form = document.getElementById("test-form");
  if (target.id === "test-form" && form) {
    form.querySelector(".has-error input, .has-error select, .has-error textarea")?.focus();
  }
});

// --- forms -------------------------------------------------------------------------------------

document.addEventListener("input", (event) => {
  const input = event.target;
  if (input instanceof HTMLInputElement && input.dataset.previewTarget) {
    const preview = document.getElementById(input.dataset.previewTarget);
    if (preview) preview.textContent = input.value;
  }
});

// A secret's source choice ("Team credential" / "Value"; a template's enter / use / create)
// shows the inputs of the chosen one; a part may serve several ("value new").
function syncSecretModes(root) {
  root.querySelectorAll("[data-secret-mode]").forEach((group) => {
    const chosen = group.querySelector("input[type=radio]:checked");
    if (!chosen) return;
    group.parentElement.querySelectorAll("[data-mode-part]").forEach((part) => {
      part.hidden = !part.dataset.modePart.split(" ").includes(chosen.value);
    });
  });
}

document.addEventListener("change", (event) => {
  if (event.target.closest?.("[data-secret-mode]")) syncSecretModes(document);
});
document.addEventListener("htmx:afterSettle", () => syncSecretModes(document));

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table[data-row-label] tbody").forEach(renumberRows);
  syncSecretModes(document);
  syncRunField();
  document.querySelector("[data-error-summary]")?.focus();
});
