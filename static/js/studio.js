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

  if (target.matches("[data-formset-add]")) {
    // A Django formset's new row: its template, numbered with the next form index.
    const prefix = target.dataset.formsetAdd;
    const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
    const html = document.getElementById(target.dataset.template).innerHTML.replaceAll("__prefix__", total.value);
    const body = document.querySelector(`#${target.dataset.rows} tbody`);
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(Number(total.value) + 1);
    renumberRows(body);
    body.rows[body.rows.length - 1].querySelector("select, input:not([type=hidden])")?.focus();
  }

  if (target.matches("[data-copy]")) copyText(target);
  if (target.matches("[data-view]")) showBodyView(target);
  if (target.matches("[data-cancel-test]")) cancelTest(target);
  if (target.matches("[data-search-step]")) {
    const input = target.closest(".body-views").querySelector("[data-body-search]");
    if (input.value) runSearch(input, Number(target.dataset.searchStep));
  }
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
  const search = box.querySelector("[data-body-search]");
  if (search && search.value) runSearch(search, 0);
}

// --- search in the body: every match marked in the view shown, a count, next and previous -----

function shownBodyView(box) {
  return Array.from(box.querySelectorAll("[data-body-view]")).find(
    (element) => !element.hidden && element.tagName !== "IFRAME",
  );
}

function clearMarks(root) {
  root.querySelectorAll("mark.hit").forEach((mark) => mark.replaceWith(...mark.childNodes));
  root.normalize();
}

// Text nodes are wrapped from the last match backwards, so the offsets of earlier ones hold.
function markMatches(root, query) {
  const nodes = [];
  let text = "";
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    nodes.push({ node: walker.currentNode, start: text.length });
    text += walker.currentNode.data;
  }
  const haystack = text.toLowerCase();
  const needle = query.toLowerCase();
  const starts = [];
  for (let at = haystack.indexOf(needle); at !== -1 && starts.length < 5000; at = haystack.indexOf(needle, at + needle.length)) {
    starts.push(at);
  }
  const matches = [];
  for (let k = starts.length - 1; k >= 0; k -= 1) {
    const from = starts[k];
    const to = from + needle.length;
    const pieces = [];
    for (let n = nodes.length - 1; n >= 0; n -= 1) {
      const { node, start } = nodes[n];
      const end = start + node.data.length;
      if (end <= from || start >= to) continue;
      const range = document.createRange();
      range.setStart(node, Math.max(from, start) - start);
      range.setEnd(node, Math.min(to, end) - start);
      const mark = document.createElement("mark");
      mark.className = "hit";
      range.surroundContents(mark);
      pieces.unshift(mark);
    }
    matches.unshift(pieces);
  }
  return matches;
}

function runSearch(input, step) {
  const box = input.closest(".body-views");
  const view = shownBodyView(box);
  const count = box.querySelector("[data-search-count]");
  box.querySelectorAll("[data-body-view]").forEach((element) => {
    if (element.tagName !== "IFRAME") clearMarks(element);
  });
  if (!view || !input.value) {
    count.textContent = "";
    input.dataset.current = "0";
    return;
  }
  // Folded parts of the tree are opened so that every match can be shown.
  if (view.dataset.bodyView === "tree") view.querySelectorAll("details").forEach((d) => { d.open = true; });
  const matches = markMatches(view, input.value);
  if (!matches.length) {
    count.textContent = "No matches";
    return;
  }
  let current = Number(input.dataset.current || "0") + step;
  current = ((current % matches.length) + matches.length) % matches.length;
  input.dataset.current = String(current);
  matches[current].forEach((mark) => mark.classList.add("current"));
  matches[current][0].scrollIntoView({ block: "nearest" });
  count.textContent = `${current + 1} of ${matches.length} match${matches.length === 1 ? "" : "es"}`;
}

document.addEventListener("input", (event) => {
  const input = event.target;
  if (input instanceof HTMLInputElement && input.matches("[data-body-search]")) {
    input.dataset.current = "0";
    runSearch(input, 0);
  }
});

document.addEventListener("keydown", (event) => {
  const input = event.target;
  if (input instanceof HTMLInputElement && input.matches("[data-body-search]") && event.key === "Enter") {
    event.preventDefault();
    runSearch(input, event.shiftKey ? -1 : 1);
  }
});

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

// The tree keeps the colours of the Pretty view: the same highlighter classes.
function token(text, kind) {
  const span = document.createElement("span");
  span.className = kind;
  span.textContent = text;
  return span;
}

function scalarKind(value) {
  if (typeof value === "string") return "s2";
  if (typeof value === "number") return "mf";
  return "kc"; // true, false, null
}

function treeNode(value, key, depth) {
  const prefix = key === null ? "" : `${JSON.stringify(key)}: `;
  if (value === null || typeof value !== "object") {
    const line = document.createElement("div");
    if (key !== null) line.append(token(JSON.stringify(key), "nt"), ": ");
    line.append(token(JSON.stringify(value), scalarKind(value)));
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
let previousResult = null;

// Back must find the page as it was before this Test, not "Sending…": the snapshot htmx keeps
// for history is taken just before the new result is swapped in.
document.addEventListener("htmx:beforeHistorySave", () => {
  const result = document.getElementById("result");
  if (result && previousResult) result.replaceChildren(...previousResult);
  previousResult = null;
});

document.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.detail.elt;
  if (!form.matches("[data-test-form]")) return;
  // A new Test: the previous result goes, so nothing stale stays under what comes back.
  const result = document.getElementById("result");
  if (result) {
    const sending = document.createElement("p");
    sending.className = "muted";
    sending.textContent = "Sending…";
    previousResult = Array.from(result.childNodes);
    result.replaceChildren(sending);
  }
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

document.addEventListener("htmx:afterSwap", () => { previousResult = null; });

function firstInvalidInput() {
  return document.querySelector(
    "#bench .has-error input:not([type=hidden]), #bench .has-error select, #bench .has-error textarea",
  );
}

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
    const invalid = target.querySelector("[data-input-errors]") ? firstInvalidInput() : null;
    (invalid || target.querySelector(".result-title"))?.focus();
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

// --- the request edited in place: send shortcut, pasted URLs split, the draft kept ------------

// Ctrl+Enter (Cmd+Enter on a Mac) sends, from any field of the request or the Test panel.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  const other = event.target.closest?.("form:not(#bench)");
  if (other) return; // another form's Ctrl+Enter is its own
  const form = document.getElementById("bench");
  const send = form?.querySelector("[data-send]");
  if (!send || send.disabled) return;
  event.preventDefault();
  form.requestSubmit(send);
});

function postBench(form, extra) {
  const body = new FormData(form);
  Object.entries(extra).forEach(([key, value]) => body.set(key, value));
  return fetch(form.dataset.draftUrl, {
    method: "POST",
    body,
    headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    credentials: "same-origin",
  }).then((response) => (response.ok ? response.text() : Promise.reject(response)));
}

// A full URL, a cURL command or a ?query pasted into Path comes back split into its fields.
document.addEventListener("paste", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.name !== "path") return;
  const form = input.closest("#bench");
  if (!form || !form.dataset.draftUrl) return;
  setTimeout(() => {
    if (!/^\s*(\$\s*)?(curl\s|https?:\/\/)|\?/i.test(input.value)) return;
    postBench(form, {}).then((html) => {
      form.outerHTML = html;
      const fresh = document.getElementById("bench");
      htmx.process(fresh);
      fresh.querySelectorAll("table[data-row-label] tbody").forEach(renumberRows);
      document.getElementById("id_path")?.focus();
    });
  }, 0);
});

// What is typed is kept as a draft on the server (it survives a reload) and marked unsaved.
let draftTimer = 0;

function keepDraft(form) {
  postBench(form, { autosave: "1" }).then((html) => {
    const parts = document.createElement("template");
    parts.innerHTML = html;
    Array.from(parts.content.children).forEach((fresh) => {
      const old = fresh.id && document.getElementById(fresh.id);
      if (!old) return;
      old.replaceWith(fresh);
      htmx.process(fresh);
    });
  }, () => {});
}

["input", "change"].forEach((type) => {
  document.addEventListener(type, (event) => {
    const form = event.target.closest?.("#bench");
    if (!form || !form.dataset.draftUrl || event.target.matches?.("[data-body-search]")) return;
    clearTimeout(draftTimer);
    draftTimer = setTimeout(() => keepDraft(form), 600);
  });
});

document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail.target;
  if (target instanceof HTMLElement && target.id === "bench") {
    target.querySelectorAll("table[data-row-label] tbody").forEach(renumberRows);
    (firstInvalidInput() || target.querySelector("[data-error-summary]"))?.focus();
  }
});

// A button of the form (Test, Save, Discard, Add) supersedes a draft save still waiting to go.
document.addEventListener("htmx:beforeRequest", (event) => {
  if (event.detail.elt.closest?.("#bench")) clearTimeout(draftTimer);
});
document.addEventListener("submit", (event) => {
  if (event.target.id === "bench") clearTimeout(draftTimer);
});
