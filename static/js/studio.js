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
