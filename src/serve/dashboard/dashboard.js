// The dashboard: reads the JSON API once, then follows the live events (status, alert, usage).
// Nothing here is fetched from anywhere but this server.
"use strict";

const $ = (sel) => document.querySelector(sel);
const fmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const usd = new Intl.NumberFormat(undefined, { style: "currency", currency: "USD", maximumFractionDigits: 4 });
const statuses = new Map();  // workspace -> WorkspaceStatus
const seconds = new Map();   // unix second -> {calls, errors}

async function api(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  if (!res.ok && res.status !== 503) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function label(ws) {
  if (ws === "*") return "all workspaces";
  return ws;
}

function renderBanners() {
  const box = $("#banners");
  box.replaceChildren();
  const order = [...statuses.values()].sort((a, b) => (a.workspace === "*" ? -1 : b.workspace === "*" ? 1 : a.workspace.localeCompare(b.workspace)));
  for (const s of order) {
    const since = s.since_ms ? ` since ${new Date(s.since_ms).toLocaleTimeString()}` : "";
    box.append(el("div", { class: "banner", "data-status": s.status, "data-workspace": s.workspace, role: "status" },
      el("div", { class: "name" }, label(s.workspace)),
      el("div", { class: "state" }, s.status.replace("_", " ") + since),
      el("div", { class: "why" }, s.reason || "")));
  }
  if (!order.length) box.append(el("p", { class: "muted" }, "No workspace has made a call yet."));
}

async function loadStatus() {
  const body = await api("/api/v1/quota/status");
  statuses.clear();
  for (const s of [body.global, ...body.workspaces, ...body.accounts]) if (s) statuses.set(s.workspace, s);
  renderBanners();
}

async function loadBudgets() {
  const { budgets } = await api("/api/v1/quota/budgets");
  const body = $("#budgets tbody");
  body.replaceChildren();
  $("#no-budgets").hidden = budgets.length > 0;
  for (const b of budgets) {
    const pct = Math.min(100, 100 * b.fraction_used);
    const bar = el("div", { class: "bar" }, el("div", { style: `width:${pct}%`, class: pct >= 80 ? "hot" : "" }));
    const value = (v) => (b.metric === "usd" ? usd.format(v) : fmt.format(v));
    const out = b.forecast_exhausted_ms === null ? "not this " + b.period : new Date(b.forecast_exhausted_ms).toLocaleString();
    body.append(el("tr", { "data-workspace": b.workspace },
      el("td", {}, label(b.workspace)), el("td", {}, b.period), el("td", {}, b.metric),
      el("td", {}, value(b.used)), el("td", {}, value(b.limit)), el("td", {}, bar), el("td", {}, out)));
  }
}

async function loadUsage() {
  for (const by of ["model", "family", "key"]) {
    const { rows } = await api(`/api/v1/quota/usage?by=${by}&since=today`);
    const body = $(`#usage-${by} tbody`);
    body.replaceChildren();
    for (const r of rows)
      body.append(el("tr", { "data-key": r.key }, el("td", {}, r.key), el("td", { class: "requests" }, fmt.format(r.requests)),
        el("td", {}, fmt.format(r.errors)), el("td", {}, fmt.format(r.input_tokens)),
        el("td", {}, fmt.format(r.output_tokens)), el("td", {}, usd.format(r.cost_usd))));
  }
}

// The latest scan report (serve --coverage): shown beside the traffic, hidden without one.
async function loadCoverage() {
  const res = await fetch("/api/v1/coverage", { headers: { Accept: "application/json" } });
  const box = $("#coverage");
  if (res.status === 404) { box.hidden = true; return; }
  const c = await res.json();
  box.hidden = false;
  if (!res.ok) { $("#coverage-summary").textContent = c.error.message; return; }
  const pct = (p) => (p === null ? "n/a" : `${fmt.format(p)}%`);
  const s = c.call_sites, k = c.clients;
  $("#coverage-summary").textContent =
    `API call sites tracked: ${pct(s.percent)} (${s.tracked} tracked, ${s.untracked} untracked, ${s.unresolved} unresolved); ` +
    `clients from the factory: ${pct(k.percent)} (${k.factory} of ${k.factory + k.direct}); ${c.findings_total} findings` +
    (c.modified_ms ? `, report of ${new Date(c.modified_ms).toLocaleString()}` : "");
  $("#coverage-summary").dataset.percent = s.percent === null ? "" : String(s.percent);
  const fam = $("#coverage-family tbody");
  fam.replaceChildren();
  for (const f of c.by_family)
    fam.append(el("tr", { "data-family": f.family, "data-untracked": String(f.call_sites.untracked) }, el("td", {}, f.family),
      el("td", {}, String(f.call_sites.tracked)), el("td", {}, String(f.call_sites.untracked)),
      el("td", {}, String(f.call_sites.unresolved)), el("td", {}, pct(f.call_sites.percent))));
  const list = $("#coverage-findings tbody");
  list.replaceChildren();
  for (const f of c.findings)
    list.append(el("tr", { "data-rule": f.rule }, el("td", {}, f.rule), el("td", {}, `${f.path}:${f.line}`), el("td", {}, f.message)));
}

// serve --reconcile: what OpenAI billed beside what was tracked; hidden without it.
async function loadReconciliation() {
  const res = await fetch("/api/v1/reconciliation", { headers: { Accept: "application/json" } });
  const box = $("#reconciliation");
  if (res.status === 404) { box.hidden = true; return; }
  const r = await res.json();
  box.hidden = false;
  const summary = $("#reconciliation-summary");
  if (!res.ok) { summary.textContent = r.error.message; return; }
  const t = r.tokens;
  const polled = r.polled_ms ? `as of ${new Date(r.polled_ms).toLocaleTimeString()}` : "not read yet";
  summary.textContent = (t.coverage === null ? "Nothing billed in the window" :
    `Runtime coverage ${fmt.format(100 * t.coverage)}%: ${fmt.format(t.tracked)} of ${fmt.format(t.billed)} billed tokens tracked, ` +
    `${fmt.format(t.untracked)} untracked`) + ` (${polled})` + (r.error ? `; last poll failed: ${r.error}` : "");
  summary.dataset.untracked = String(t.untracked);
  summary.dataset.state = r.error ? "error" : t.untracked > 0 ? "dark" : "ok";
  const models = new Map();
  for (const h of r.hours) {
    const m = models.get(h.model) || { billed: 0, tracked: 0, untracked: 0, keys: new Map() };
    m.billed += h.billed_tokens; m.tracked += h.tracked_tokens; m.untracked += h.untracked_tokens;
    for (const k of h.keys) {
      const shown = k.name === null ? k.api_key_id : `${k.name} (${k.redacted_value || k.api_key_id})`;  // as the org names it
      m.keys.set(shown, (m.keys.get(shown) || 0) + k.billed_tokens);
    }
    models.set(h.model, m);
  }
  const body = $("#reconciliation-models tbody");
  body.replaceChildren();
  for (const [model, m] of [...models].sort((a, b) => b[1].untracked - a[1].untracked)) {
    const keys = [...m.keys].sort((a, b) => b[1] - a[1]).map(([id, n]) => `${id} (${fmt.format(n)})`).join(", ");
    body.append(el("tr", { "data-model": model, "data-untracked": String(m.untracked), class: m.untracked > 0 ? "dark" : "" },
      el("td", {}, model), el("td", {}, fmt.format(m.billed)), el("td", {}, fmt.format(m.tracked)),
      el("td", {}, fmt.format(m.untracked)), el("td", {}, keys)));
  }
}

async function loadAlerts() {
  const { alerts } = await api("/api/v1/quota/alerts?limit=50");
  $("#alerts").replaceChildren();
  for (const a of alerts.reverse()) addAlert(a);
}

function addAlert(a) {
  const list = $("#alerts");
  list.prepend(el("li", { "data-kind": a.kind, "data-id": String(a.id ?? "") },
    el("time", {}, new Date(a.ts_ms).toLocaleTimeString()), `${label(a.workspace)}: ${a.message}`));
  while (list.children.length > 200) list.lastChild.remove();
}

function renderRate() {
  const svg = $("#rate");
  const now = Math.floor(Date.now() / 1000);
  const span = 120;
  let max = 1;
  for (let t = now - span; t <= now; t++) max = Math.max(max, (seconds.get(t) || { calls: 0 }).calls);
  const w = 600 / span;
  const bars = [];
  for (let t = now - span; t <= now; t++) {
    const s = seconds.get(t);
    if (!s) continue;
    const x = (t - (now - span)) * w;
    const h = (110 * s.calls) / max, he = (110 * s.errors) / max;
    bars.push(`<rect x="${x}" y="${120 - h}" width="${w * 0.8}" height="${h}"></rect>`);
    if (s.errors) bars.push(`<rect class="errors" x="${x}" y="${120 - he}" width="${w * 0.8}" height="${he}"></rect>`);
  }
  svg.innerHTML = bars.join("");
  for (const t of seconds.keys()) if (t < now - span) seconds.delete(t);
}

// Re-reading the aggregates after a burst of events, at most every half second.
let refreshTimer = null;
function refreshSoon() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    Promise.all([loadUsage(), loadBudgets()]).catch(showError);
  }, 500);
}

function showError(e) {
  $("#health").textContent = String(e.message || e);
  $("#health").dataset.state = "unavailable";
}

async function loadHealth() {
  const h = await api("/api/v1/health");
  $("#health").textContent = `history ${h.status}`;
  $("#health").dataset.state = h.status;
}

function follow() {
  const source = new EventSource("/api/v1/events");
  const conn = $("#connection");
  let lastBeat = Date.now();
  source.onopen = () => { conn.textContent = "live"; conn.dataset.state = "open"; };
  source.onerror = () => { conn.textContent = "reconnecting…"; conn.dataset.state = "lost"; };
  source.addEventListener("heartbeat", () => { lastBeat = Date.now(); });
  // The state is read once the stream holds our place: nothing that happens in between is lost.
  source.addEventListener("hello", () => { lastBeat = Date.now(); init().catch(showError); });
  source.addEventListener("status", (e) => {
    const s = JSON.parse(e.data);
    statuses.set(s.workspace, s);
    renderBanners();
  });
  source.addEventListener("alert", (e) => {
    const a = JSON.parse(e.data);
    addAlert(a);
    if (a.kind === "dark_traffic") loadReconciliation().catch(showError);
  });
  source.addEventListener("usage", (e) => {
    const u = JSON.parse(e.data);
    const t = u.second_ms / 1000;
    const s = seconds.get(t) || { calls: 0, errors: 0 };
    s.calls += u.calls;
    s.errors += u.errors;
    seconds.set(t, s);
    renderRate();
    refreshSoon();
  });
  source.addEventListener("reset", () => { init().catch(showError); });
  // A stream that has gone quiet past a few heartbeats is dead even if the socket says otherwise.
  setInterval(() => {
    if (Date.now() - lastBeat > 10000) { conn.textContent = "no heartbeat"; conn.dataset.state = "lost"; }
    renderRate();
  }, 1000);
  setInterval(() => loadHealth().catch(showError), 5000);
  setInterval(() => loadCoverage().catch(showError), 30000);
  setInterval(() => loadReconciliation().catch(showError), 5000);
}

async function init() {
  await Promise.all([loadStatus(), loadBudgets(), loadUsage(), loadAlerts(), loadHealth(), loadCoverage(), loadReconciliation()]);
}

follow();
