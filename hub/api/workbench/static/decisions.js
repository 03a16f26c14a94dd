// gridhub review workbench: the decisions of issue 16 beyond pairs and pins — pick the building
// of an address item, fix a quarantined row and replay it, decide many items at once (preview,
// then apply with the preview's token), and the history of these decisions with revocation.
//
// A module of its own beside workbench.js, which it plugs into through the page's hooks
// (window.gridhubViews, gridhubItemExtras, gridhubStrings, and window.gridhub for the shared
// helpers: the API call with the key, the element builder, the status line). Data goes into the
// page as text nodes, never as HTML.

const STRINGS = {
  zh: {
    "kind.quarantine": "隔离数据", "nav.quarantine": "隔离数据", "nav.bulk": "批量处理", "nav.decisions": "处理记录",
    pickTitle: "选择楼栋", pickHint: "所选楼栋将作为该地址文字的别名：以后每次同步都按此解析。",
    pick: "选定", searchBuilding: "搜索楼栋（地址的一部分）", find: "查找", noBuildings: "没有找到楼栋。",
    score: "得分", building: "楼栋", reason: "理由（可选）", sending: "正在提交……",
    quarantineEmpty: "没有待处理的隔离数据。", error: "错误", source: "来源系统", record: "记录编号", entry: "编号",
    fixTitle: "修正并重新同步", fixHint: "只提交修改过的字段；映射已修正时可不改字段直接重新同步。",
    masked: "没有 pii 权限：字段值已隐藏，只能在映射修正后直接重新同步。", replay: "重新同步", field: "字段", value: "值",
    bulkTitle: "批量处理", verdict: "结论", "verdict.different": "不同对象", "verdict.unsure": "无法确定", "verdict.skip": "搁置",
    kind: "类型", allKinds: "全部", entityType: "实体类型", minScore: "最低匹配概率", maxScore: "匹配概率低于",
    preview: "预览", apply: "确认处理 {count} 项", previewCount: "将处理 {count} 项（以下为前 {shown} 项）。",
    previewNone: "筛选条件下没有待审事项。", stale: "队列已变化，请重新预览。",
    at: "时间", steward: "审核人", subject: "内容", after: "处理后", before: "处理前", item: "事项",
    revoke: "撤销", revoked: "已撤销", noDecisions: "还没有处理记录。",
    chooseTitle: "选定正确值", chooseHint: "选定的值立即写入并在以后每次计算中保留（可撤销）；也可输入核实后的值。",
    choose: "选定", typed: "核实后的值",
    "decision.address": "地址别名", "decision.quarantine": "隔离修正", "decision.skip": "搁置", "decision.bulk": "批量判定",
  },
  en: {
    "kind.quarantine": "Quarantined row", "nav.quarantine": "Quarantine", "nav.bulk": "Bulk", "nav.decisions": "Decisions",
    pickTitle: "Pick the building", pickHint: "The building becomes an alias of this address text: every later sync resolves it so.",
    pick: "Pick", searchBuilding: "Search a building (part of its address)", find: "Find", noBuildings: "No building found.",
    score: "Score", building: "Building", reason: "Reason (optional)", sending: "Sending…",
    quarantineEmpty: "No quarantined row is waiting.", error: "Error", source: "Source", record: "Record", entry: "Entry",
    fixTitle: "Fix and replay", fixHint: "Only the fields you change are sent; after a mapping fix, replay without changes.",
    masked: "No pii scope: the values are hidden; you can replay after a mapping fix only.", replay: "Replay", field: "Field", value: "Value",
    bulkTitle: "Bulk decision", verdict: "Verdict", "verdict.different": "Different", "verdict.unsure": "Unsure", "verdict.skip": "Skip",
    kind: "Kind", allKinds: "All", entityType: "Entity type", minScore: "Probability at least", maxScore: "Probability below",
    preview: "Preview", apply: "Decide these {count}", previewCount: "{count} item(s) would be decided (the first {shown} below).",
    previewNone: "The filter selects no open item.", stale: "The queue changed: preview again.",
    at: "At", steward: "Steward", subject: "Subject", after: "After", before: "Before", item: "Item",
    revoke: "Revoke", revoked: "revoked", noDecisions: "No decisions yet.",
    chooseTitle: "Choose the right value", chooseHint: "The value is written now and kept on every later pass (revocable); or type the checked value.",
    choose: "Choose", typed: "Checked value",
    "decision.address": "Address alias", "decision.quarantine": "Row fixed", "decision.skip": "Skipped", "decision.bulk": "Bulk verdict",
  },
};

const { api, h, status, route, showLogin, Unauthorised } = window.gridhub;
const lang = () => window.gridhub.lang();
const t = (key, values = {}) =>
  (STRINGS[lang()][key] ?? key).replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
const post = (path, body) => api(path, { method: "POST", body: JSON.stringify(body) });
const text = (value) => (value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value));
const when = (iso) => (iso ? new Date(iso).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB") : "");

// A decision's request: controls disabled while it runs, its summary (or error) in the status line.
async function send(section, request, after) {
  section.querySelectorAll("button, input, select").forEach((control) => (control.disabled = true));
  status(t("sending"));
  try {
    const result = await request();
    status(result.summary ?? "");
    await after(result);
  } catch (error) {
    if (error instanceof Unauthorised) return showLogin(error.message);
    status(error.message, true);
    section.querySelectorAll("button, input, select").forEach((control) => (control.disabled = false));
  }
}

// --- an address item: pick its building ---------------------------------------------------

function buildingRow(section, item, building, label, score) {
  return h("tr", { "data-building": building },
    h("td", {}, label), h("td", {}, building), h("td", { class: "num" }, score ?? ""),
    h("td", {}, h("button", { type: "button", class: "pick", onclick: () => pick(section, item, building) }, t("pick"))));
}

function pick(section, item, building) {
  const reason = section.querySelector("input.pick-reason")?.value.trim() || null;
  return send(section, () => post(`/steward/review/${item.id}/building`, { building, reason }), () => {
    location.hash = "#/queue";
  });
}

function addressPanel(body) {
  const { item, answered } = body;
  const section = h("section", { class: "pick-building", "data-item": item.id });
  const found = h("tbody", {});
  const candidates = (item.payload.candidates ?? []).map((c) => buildingRow(section, item, c.building_id, c.address_id ?? "", c.score));
  const search = h("input", { type: "search", class: "building-search", maxlength: 200, placeholder: t("searchBuilding") });
  const find = async () => {
    const q = search.value.trim();
    if (!q) return;
    try {
      const buildings = await api(`/steward/buildings?${new URLSearchParams({ q, limit: "20" })}`);
      found.replaceChildren(...(buildings.length
        ? buildings.map((b) => buildingRow(section, item, b.building_id, b.label, null))
        : [h("tr", {}, h("td", { colspan: 4, class: "empty" }, t("noBuildings")))]));
    } catch (error) {
      status(error.message, true);
    }
  };
  search.addEventListener("keydown", (event) => event.key === "Enter" && find());
  // Through h(), which leaves out a missing part (a bare append would write "null").
  section.append(...h("div", {},
    h("h3", {}, t("pickTitle")),
    h("p", { class: "answered" }, h("b", {}, text(item.payload.text)), ` — ${text(item.payload.reason)}`),
    h("p", { class: "hint" }, t("pickHint")),
    h("input", { type: "text", class: "pick-reason", maxlength: 2000, placeholder: t("reason"), disabled: Boolean(answered) }),
    candidates.length ? h("table", { class: "candidates" }, h("tbody", {}, candidates)) : null,
    h("div", { class: "toolbar" }, search, h("button", { type: "button", class: "find", onclick: find }, t("find"))),
    h("table", { class: "found" }, found)).childNodes);
  return section;
}

// --- a conflict item: choose (or type) the golden value ------------------------------------

function conflictPanel(body) {
  const { item } = body;
  const section = h("section", { class: "choose-value", "data-item": item.id });
  const reason = h("input", { type: "text", class: "choose-reason", maxlength: 2000, placeholder: t("reason") });
  const typed = h("input", { type: "text", class: "typed-value", maxlength: 2000, placeholder: t("typed") });
  const choose = (value) => () => {
    if (!String(value).trim()) return;
    return send(section, () => post(`/steward/review/${item.id}/value`, { value: String(value), reason: reason.value.trim() || null }),
      () => { location.hash = "#/queue"; });
  };
  section.append(
    h("h3", {}, t("chooseTitle")),
    h("p", { class: "hint" }, t("chooseHint")),
    h("div", { class: "decide" }, reason,
      (item.payload.values ?? []).map((value) =>
        h("button", { type: "button", class: "choose", "data-value": text(value), onclick: choose(value) }, text(value))),
      typed, h("button", { type: "button", class: "choose-typed", onclick: () => choose(typed.value)() }, t("choose"))));
  return section;
}

// --- quarantined rows: the list, and one row to fix and replay -----------------------------

async function quarantineView(id) {
  const rows = await api("/steward/quarantine?limit=500");
  const entry = id ? rows.find((row) => row.id === Number(id)) : null;
  if (entry) return { node: fixView(entry) };
  const head = ["entry", "source", "record", "error"];
  const open = (row) => () => (location.hash = `#/quarantine/${row.id}`);
  return {
    node: h("section", { class: "quarantine" }, h("h2", {}, t("nav.quarantine")),
      rows.length
        ? h("table", {}, h("thead", {}, h("tr", {}, head.map((k) => h("th", {}, t(k))))),
            h("tbody", {}, rows.map((row) =>
              h("tr", { class: "link", "data-entry": row.id, onclick: open(row) },
                h("td", {}, `#${row.id}`), h("td", {}, row.source), h("td", {}, row.record_id ?? ""), h("td", {}, row.error)))))
        : h("p", { class: "empty" }, t("quarantineEmpty"))),
  };
}

function fixView(entry) {
  const masked = Object.values(entry.raw).every((value) => value === "•••");
  const inputs = Object.entries(entry.raw).map(([name, value]) =>
    h("tr", {}, h("th", {}, name),
      h("td", {}, h("input", { type: "text", name, value: text(value), "data-before": text(value), disabled: masked }))));
  const section = h("section", { class: "fix", "data-entry": entry.id });
  const reason = h("input", { type: "text", class: "fix-reason", maxlength: 2000, placeholder: t("reason") });
  const replay = () => {
    const fields = {};
    section.querySelectorAll("input[name]").forEach((input) => {
      if (input.value !== input.dataset.before) fields[input.name] = input.value;
    });
    return send(section, () => post(`/steward/quarantine/${entry.id}/replay`, { fields, reason: reason.value.trim() || null }),
      () => { location.hash = "#/quarantine"; });
  };
  section.append(
    h("h2", {}, `${t("fixTitle")} · #${entry.id} · ${entry.source} ${entry.record_id ?? ""}`),
    h("p", { class: "answered" }, `${t("error")}: ${entry.error}`),
    h("p", { class: "hint" }, masked ? t("masked") : t("fixHint")),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, t("field")), h("th", {}, t("value")))), h("tbody", {}, inputs)),
    h("div", { class: "decide" }, reason, h("button", { type: "button", class: "replay", onclick: replay }, t("replay"))));
  return section;
}

// --- bulk decisions: a filter, its preview, and the apply bound to it ----------------------

async function bulkView() {
  const section = h("section", { class: "bulk" });
  const field = (name, attrs) => h("label", {}, t(name), " ", h("input", { name, ...attrs }));
  const verdict = h("select", { name: "verdict" }, ["skip", "different", "unsure"].map((v) => h("option", { value: v }, t(`verdict.${v}`))));
  const kind = h("select", { name: "kind" }, h("option", { value: "" }, t("allKinds")),
    ["merge", "conflict", "address"].map((k) => h("option", { value: k }, window.gridhub.t(`kind.${k}`))));
  const result = h("div", { class: "preview" });
  const filter = () => {
    const value = (name) => section.querySelector(`[name=${name}]`).value.trim() || null;
    const number = (name) => (value(name) === null ? null : Number(value(name)));
    return { verdict: verdict.value, kind: kind.value || null, entity_type: value("entityType"), source: value("source"),
      min_score: number("minScore"), max_score: number("maxScore") };
  };
  const preview = async () => {
    try {
      const wanted = filter();
      const shown = await post("/steward/bulk/preview", { ...wanted, first: 20 });
      status("");
      const apply = () => send(section, () => post("/steward/bulk/apply", { ...wanted, token: shown.token, reason: reason.value.trim() || null }),
        async () => { result.replaceChildren(); section.querySelectorAll("button, input, select").forEach((c) => (c.disabled = false)); });
      result.replaceChildren(...h("div", {},
        h("p", { class: "count" }, shown.count ? t("previewCount", { count: shown.count, shown: shown.items.length }) : t("previewNone")),
        shown.items.length
          ? h("table", {}, h("tbody", {}, shown.items.map((item) =>
              h("tr", { "data-item": item.id }, h("td", {}, `#${item.id}`), h("td", {}, window.gridhub.t(`kind.${item.kind}`)), h("td", {}, item.subject)))))
          : null,
        shown.count ? h("button", { type: "button", class: "apply", onclick: apply }, t("apply", { count: shown.count })) : null).childNodes);
    } catch (error) {
      if (error instanceof Unauthorised) return showLogin(error.message);
      status(error.message, true);
    }
  };
  const reason = h("input", { type: "text", name: "reason", maxlength: 2000, placeholder: t("reason") });
  section.append(
    h("h2", {}, t("bulkTitle")),
    h("div", { class: "toolbar" },
      h("label", {}, t("verdict"), " ", verdict), h("label", {}, t("kind"), " ", kind),
      field("entityType", { type: "text", maxlength: 100 }), field("source", { type: "text", maxlength: 100 }),
      field("minScore", { type: "number", min: 0, max: 1, step: 0.01 }), field("maxScore", { type: "number", min: 0, max: 1, step: 0.01 })),
    h("div", { class: "decide" }, reason, h("button", { type: "button", class: "preview", onclick: preview }, t("preview"))),
    result);
  return { node: section };
}

// --- the history of these decisions, with revocation ---------------------------------------

async function decisionsView() {
  const decisions = await api("/steward/decisions?limit=200");
  const head = ["at", "steward", "kind", "item", "subject", "before", "after", "reason", ""];
  const revoke = (d) => () =>
    send(document.querySelector("section.decisions"), () => post(`/steward/decisions/${d.id}/revoke`, {}), () => route());
  const rows = decisions.map((d) =>
    h("tr", { class: d.revoked_at ? "revoked" : null, "data-decision": d.id },
      h("td", {}, when(d.created_at)), h("td", {}, d.steward), h("td", {}, t(`decision.${d.kind}`)),
      h("td", {}, d.review_item ? `#${d.review_item}` : ""), h("td", {}, d.subject),
      h("td", {}, text(d.previous)), h("td", {}, text(d.value)), h("td", {}, d.reason ?? ""),
      h("td", {}, d.revoked_at ? `${t("revoked")}: ${d.revoked_by}`
        : d.batch === d.id ? h("button", { type: "button", class: "revoke", onclick: revoke(d) }, t("revoke")) : "")));
  return {
    node: h("section", { class: "decisions" }, h("h2", {}, t("nav.decisions")),
      decisions.length
        ? h("table", {}, h("thead", {}, h("tr", {}, head.map((k) => h("th", {}, k ? t(k) : "")))), h("tbody", {}, rows))
        : h("p", { class: "empty" }, t("noDecisions"))),
  };
}

// --- plugging into the page ------------------------------------------------------------------

Object.assign((window.gridhubStrings ??= {}), { zh: { ...window.gridhubStrings?.zh, ...STRINGS.zh }, en: { ...window.gridhubStrings?.en, ...STRINGS.en } });
Object.assign(window.gridhubViews, { quarantine: quarantineView, bulk: bulkView, decisions: decisionsView });
window.gridhubItemExtras.address = addressPanel;
window.gridhubItemExtras.conflict = conflictPanel;
const nav = document.querySelector("header nav");
for (const view of ["quarantine", "bulk", "decisions"]) {
  nav.append(h("a", { href: `#/${view}`, "data-t": `nav.${view}` }, t(`nav.${view}`)));
}
// The page routed before these views and strings existed: route again (a view of this module
// asked for by the address bar, the queue's label of quarantined rows).
route();
