// Small behaviours with no inline script (the CSP forbids it): key/value rows,
// input arg rows, and copy buttons. Every form works without this file.
document.addEventListener("click", (event) => {
  const target = event.target;
  if (!(target instanceof HTMLElement)) return;

  if (target.matches(".remove-row")) {
    const row = target.closest("tr");
    const body = row.parentElement;
    if (body.rows.length > 1) row.remove();
    else row.querySelectorAll("input").forEach((input) => { input.value = ""; });
  }

  if (target.matches("[data-kv-add]")) {
    const table = document.querySelector(`table.kv[data-kv="${target.dataset.kvAdd}"] tbody`);
    const copy = table.rows[table.rows.length - 1].cloneNode(true);
    copy.querySelectorAll("input").forEach((input) => { input.value = ""; input.removeAttribute("id"); });
    table.appendChild(copy);
    copy.querySelector("input").focus();
  }

  if (target.id === "add-input-arg") {
    const total = document.getElementById("id_args-TOTAL_FORMS");
    const template = document.getElementById("input-arg-template");
    const html = template.innerHTML.replaceAll("__prefix__", total.value);
    document.querySelector("#input-args tbody").insertAdjacentHTML("beforeend", html);
    total.value = String(Number(total.value) + 1);
  }

  if (target.matches("[data-copy]")) {
    const source = document.querySelector(target.dataset.copy);
    navigator.clipboard.writeText(source.textContent).then(() => { target.textContent = "Copied"; });
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
