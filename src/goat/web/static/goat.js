// goat's pages work without this file; it adds the upload's progress bar, live status and sortable tables.
"use strict";

const WAIT_S = 25; // a long poll: the API answers at the submission's next change, or after this long

function text(node, value) {
  if (node) node.textContent = value;
}

// --- Submitting: the upload's own progress, then the door's verdict in the API's words -----------------
function initUpload(form) {
  const file = form.querySelector("input[type=file]");
  const drop = form.querySelector(".drop");
  const bar = form.querySelector("progress");
  const verdict = form.querySelector("[data-verdict]");
  const chosen = form.querySelector("[data-chosen]");
  const show = () => text(chosen, file.files.length ? `Chosen: ${file.files[0].name} (${file.files[0].size} bytes)` : "");
  file.addEventListener("change", show);
  for (const kind of ["dragenter", "dragover"]) {
    drop.addEventListener(kind, (event) => { event.preventDefault(); drop.classList.add("over"); });
  }
  for (const kind of ["dragleave", "drop"]) {
    drop.addEventListener(kind, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) { file.files = event.dataTransfer.files; show(); }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const task = form.querySelector("select[name=task]").value;
    if (!file.files.length) {
      verdict.className = "error";
      text(verdict, "Choose an .onnx file first.");
      return;
    }
    const body = new FormData();
    body.append("file", file.files[0]);
    const request = new XMLHttpRequest();
    request.open("POST", `/submit/${encodeURIComponent(task)}`);
    request.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
    bar.hidden = false;
    bar.value = 0;
    verdict.className = "notice";
    text(verdict, "Uploading…");
    request.upload.addEventListener("progress", (progress) => {
      if (progress.lengthComputable) {
        bar.max = progress.total;
        bar.value = progress.loaded;
        if (progress.loaded === progress.total) text(verdict, "Uploaded; goat is checking the model…");
      }
    });
    request.addEventListener("load", () => {
      let answer = {};
      try { answer = JSON.parse(request.responseText); } catch { answer = { detail: request.statusText }; }
      if (request.status === 200 || request.status === 202) {
        text(verdict, answer.duplicate_of
          ? `You submitted these bytes before: opening ${answer.duplicate_of}.`
          : `Accepted as ${answer.submission_id}; opening its page…`);
        window.location.assign(`/submissions/${answer.submission_id}`);
      } else {
        verdict.className = "error";
        text(verdict, `Refused (HTTP ${request.status}): ${answer.detail || request.statusText}`);
      }
    });
    request.addEventListener("error", () => {
      verdict.className = "error";
      text(verdict, "The upload did not reach goat (network error); try again.");
    });
    request.send(body);
  });
}

// --- Live status: each unfinished submission follows the API's long poll; a finished one redraws the page --
async function refreshMain() {
  const answer = await fetch(window.location.href, { credentials: "same-origin" });
  if (!answer.ok) return;
  const page = new DOMParser().parseFromString(await answer.text(), "text/html");
  const main = document.querySelector("main");
  main.replaceChildren(...page.querySelector("main").childNodes);
  document.title = page.title;
  init(main);
}

function showStatus(node, status) {
  const badge = node.querySelector("[data-field=status]");
  if (badge) {
    badge.className = `status status-${status.status}`;
    text(badge, status.status);
  }
  text(node.querySelector("[data-field=position]"),
    status.queue_position ? `position ${status.queue_position} in the queue` : "");
  const bar = node.querySelector("progress");
  const done = node.querySelector("[data-field=done]");
  if (status.progress) {
    if (bar) { bar.hidden = false; bar.max = status.progress.total; bar.value = status.progress.done; }
    text(done, `${status.progress.done} of ${status.progress.total} samples`);
  } else {
    text(done, "");
  }
}

async function watch(node) {
  const { task, id } = node.dataset;
  let status = node.dataset.status;
  while (status === "queued" || status === "running") {
    let answer;
    try {
      answer = await fetch(`/submit/${encodeURIComponent(task)}/status/${encodeURIComponent(id)}?wait=${WAIT_S}`,
        { credentials: "same-origin" });
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      continue;
    }
    if (!answer.ok || !node.isConnected) return;
    const current = await answer.json();
    showStatus(node, current);
    status = current.status;
  }
  if (status !== node.dataset.status && node.isConnected) await refreshMain();
}

// --- Sortable tables: each column header is a button; numbers sort as numbers ---------------------------
function initSortable(table) {
  const headers = [...table.querySelectorAll("thead th")];
  headers.forEach((header, column) => {
    const button = header.querySelector("button.sort");
    if (!button) return;
    button.addEventListener("click", () => {
      const ascending = header.getAttribute("aria-sort") !== "ascending";
      headers.forEach((other) => other.removeAttribute("aria-sort"));
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const body = table.tBodies[0];
      const key = (row) => {
        const cell = row.cells[column];
        const value = cell.dataset.value ?? cell.textContent.trim();
        const asNumber = Number.parseFloat(value);
        return Number.isNaN(asNumber) ? value : asNumber;
      };
      const rows = [...body.rows].sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
        return ascending ? order : -order;
      });
      body.append(...rows);
    });
  });
}

function init(root) {
  root.querySelectorAll("form[data-upload]").forEach(initUpload);
  root.querySelectorAll("[data-watch]").forEach((node) => { watch(node); });
  root.querySelectorAll("table[data-sortable]").forEach(initSortable);
}

document.addEventListener("DOMContentLoaded", () => init(document));
