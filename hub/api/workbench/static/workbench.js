// gridhub review workbench: the open review queue, an item's records side by side with the
// resolver's explanation, decisions by button or key, and the history of judgements.
//
// The API key lives in this tab's sessionStorage and goes out only in the Authorization header
// of fetch() calls to this server (never a cookie). Data is put into the page as text nodes,
// never as HTML.

// The entity page and search (entity.js), loaded with this module's own version query.
const entityModule = import(new URL(`entity.js${new URL(import.meta.url).search}`, import.meta.url));

const KEY = "gridhub.review.key"; // sessionStorage: this tab only, gone when it closes
const LANG = "gridhub.review.lang"; // localStorage: a preference, not a secret
const KINDS = ["merge", "conflict", "address"];
const META = ["source", "record_id", "role", "read_at", "entity_id", "trust", "resolution"];

const STRINGS = {
  zh: {
    title: "审核工作台", queue: "待审队列", history: "决定记录", search: "搜索", logout: "退出", otherLanguage: "English",
    keyLabel: "API 密钥（需 steward 权限）", signIn: "进入",
    keyHint: "密钥只保存在本标签页（sessionStorage），关闭即清除。",
    keyRefused: "密钥无效或已失效，请重新输入。", noScope: "此密钥没有 steward 权限。",
    kind: "类型", allKinds: "全部", order: "排序", filterType: "实体类型", filterSource: "来源系统",
    filterStreet: "街道", filterCommunity: "社区", filterHint: "编码、名称或编号", anyType: "全部", "order.oldest": "最早提交", "order.informative": "信息量最大", "order.priority": "优先（不确定 × 待办任务）",
    "kind.merge": "合并候选", "kind.conflict": "值冲突", "kind.address": "地址待定",
    item: "事项", entityType: "实体类型", subject: "内容", probability: "匹配概率", score: "信息量", pattern: "比较模式",
    queueEmpty: "队列中没有待审事项。", queueHint: "点击一行打开事项；n 或 → 打开第一项。",
    field: "字段", source: "来源系统", record_id: "记录编号", role: "角色", read_at: "读取时间",
    entity_id: "实体编号", trust: "可信度", resolution: "归并方式", problems: "校验问题",
    missing: "该记录已不存在", records: "原始记录对比", differs: "值不同的字段深色高亮，仅一方有值的浅色",
    explanation: "评分说明", comparison: "比较结果", weight: "权重", valueA: "甲方", valueB: "乙方",
    prior: "先验（匹配的稀有程度）", total: "合计", decision: "判定",
    "decision.merge": "合并", "decision.review": "待审", "decision.apart": "不合并",
    same: "同一对象", different: "不同对象", unsure: "无法确定", skip: "跳过",
    reason: "理由（可选）", deciding: "正在提交……", decidedBy: "已由 {steward} 判定：{verdict}",
    onlyMerge: "目前只有合并候选可以判定；此事项可跳过。",
    keys: "快捷键：s 同一 · d 不同 · u 无法确定 · n / → 跳过 · Esc 返回队列 · / 搜索",
    candidates: "候选地址", values: "各来源的值", conflictOn: "冲突字段",
    at: "时间", steward: "审核人", verdict: "结论", left: "甲方", right: "乙方", revoked: "已撤销",
    noJudgements: "还没有判定记录。",
  },
  en: {
    title: "Review workbench", queue: "Queue", history: "History", search: "Search", logout: "Sign out", otherLanguage: "中文",
    keyLabel: "API key (steward scope)", signIn: "Open",
    keyHint: "The key stays in this tab (sessionStorage) and is gone when the tab closes.",
    keyRefused: "The key was refused or has expired: enter it again.", noScope: "This key lacks the steward scope.",
    kind: "Kind", allKinds: "All", order: "Order", filterType: "Entity type", filterSource: "Source",
    filterStreet: "Street", filterCommunity: "Community", filterHint: "code, name or id", anyType: "Any", "order.oldest": "Oldest first", "order.informative": "Most informative", "order.priority": "Priority (uncertainty × open tasks)",
    "kind.merge": "Merge candidate", "kind.conflict": "Conflict", "kind.address": "Address",
    item: "Item", entityType: "Type", subject: "Subject", probability: "Probability", score: "Score", pattern: "Pattern",
    queueEmpty: "Nothing to review.", queueHint: "Click a row to open it; n or → opens the first.",
    field: "Field", source: "Source", record_id: "Record", role: "Role", read_at: "Read at",
    entity_id: "Entity", trust: "Trust", resolution: "Resolution", problems: "Problems",
    missing: "this record no longer exists", records: "Records side by side", differs: "fields whose values differ are highlighted, those only one side has are shaded",
    explanation: "Why this score", comparison: "Comparison", weight: "Weight", valueA: "A", valueB: "B",
    prior: "prior (how rare a match is)", total: "Total", decision: "Decision",
    "decision.merge": "merge", "decision.review": "review", "decision.apart": "apart",
    same: "Same", different: "Different", unsure: "Unsure", skip: "Skip",
    reason: "Reason (optional)", deciding: "Sending…", decidedBy: "Decided by {steward}: {verdict}",
    onlyMerge: "Only merge candidates take a decision so far; skip this one.",
    keys: "Keys: s same · d different · u unsure · n / → skip · Esc queue · / search",
    candidates: "Candidate addresses", values: "Values of the sources", conflictOn: "Conflict on",
    at: "At", steward: "Steward", verdict: "Verdict", left: "Left", right: "Right", revoked: "revoked",
    noJudgements: "No judgements yet.",
  },
};

let lang = localStorage.getItem(LANG) === "en" ? "en" : "zh";
let labels = null; // GET /steward/labels: the schema's titles
// The queue as last fetched, its filter, the items skipped in this tab, the item on screen.
// The narrowing filters (entity type, source, street, community) go to GET /steward/review as they are.
const FILTERS = { type: "filterType", source: "filterSource", street: "filterStreet", community: "filterCommunity" };
const session = { queue: [], kind: "", order: "oldest", type: "", source: "", street: "", community: "",
                  skipped: new Set(), current: null, busy: false };

// Hooks for other modules of the page (decisions.js): views by hash name, panels shown on an
// item of a kind, and their own strings, looked up after these.
const views = (window.gridhubViews ??= {});
const extras = (window.gridhubItemExtras ??= {});
const t = (key, values = {}) =>
  (STRINGS[lang][key] ?? window.gridhubStrings?.[lang]?.[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

function render(...nodes) {
  document.getElementById("main").replaceChildren(...nodes);
}

function status(text, error = false) {
  const line = document.getElementById("status");
  line.textContent = text ?? "";
  line.classList.toggle("error", error);
}

// --- the server ----------------------------------------------------------------------------

class Unauthorised extends Error {}

async function api(path, init = {}) {
  const key = sessionStorage.getItem(KEY);
  if (!key) throw new Unauthorised("");
  const headers = { Authorization: `Bearer ${key}`, Accept: "application/json" };
  if (init.body) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { ...init, headers, credentials: "omit", cache: "no-store" });
  const body = await response.json().catch(() => null);
  if (response.status === 401 || response.status === 403) {
    sessionStorage.removeItem(KEY);
    throw new Unauthorised(t(response.status === 403 ? "noScope" : "keyRefused"));
  }
  if (!response.ok) {
    const detail = body?.errors?.[0]?.message ?? body?.detail;
    throw new Error(typeof detail === "string" ? detail : `HTTP ${response.status}`);
  }
  return body;
}

function queueParams() {
  const params = new URLSearchParams({ limit: "200", order: session.order });
  if (session.kind) params.set("kind", session.kind);
  for (const name of Object.keys(FILTERS)) if (session[name]) params.set(name, session[name]);
  return params;
}

// --- labels --------------------------------------------------------------------------------

const kindLabel = (kind) => t(`kind.${kind}`);
const typeLabel = (type) => (lang === "zh" && labels?.types?.[type]?.title) || type;

function fieldLabel(type, name) {
  if (lang === "en") return name.replaceAll("_", " ");
  const own = labels?.types?.[type]?.fields?.[name] ?? labels?.context?.[name];
  if (own) return own;
  // A linked entity's property: "MOTHER_OF.identity_number" → "MOTHER_OF · 公民身份号码".
  const [linked, property] = name.split(".");
  if (property) {
    const title = Object.values(labels?.types ?? {}).map((node) => node.fields[property]).find(Boolean);
    return `${linked} · ${title ?? property}`;
  }
  return name;
}

function show(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(show).join(" / ") || "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const mentionText = (id) => String(id).replaceAll("\u001f", ":");
const when = (iso) => (iso ? String(iso).slice(0, 16).replace("T", " ") : "—");
const percent = (p) => (typeof p === "number" ? `${(100 * p).toFixed(1)}%` : "");

const entityHash = (label, id) => `#/entity/${encodeURIComponent(label)}/${encodeURIComponent(id)}`;
// What entity.js uses of this module.
const ui = { h, api, t, lang: () => lang, typeLabel, fieldLabel, show, when, status, reload: () => route() };

function subject(item) {
  const p = item.payload;
  if (item.kind === "merge") return `${p.left} ↔ ${p.right}`;
  if (item.kind === "conflict") return `${p.entity_id} · ${fieldLabel(p.entity_type, p.property)}: ${show(p.values)}`;
  if (item.kind === "address") return show(p.text);
  return item.subject;
}

// --- views ---------------------------------------------------------------------------------

function showLogin(note) {
  const input = h("input", { id: "key", type: "password", autocomplete: "off", required: true });
  const submit = async (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, input.value.trim());
    await route();
  };
  render(
    h("form", { class: "login", onsubmit: submit },
      h("label", { for: "key" }, t("keyLabel")), input,
      h("button", { type: "submit" }, t("signIn")),
      h("p", { class: "hint" }, t("keyHint")),
      note ? h("p", { class: "error" }, note) : null),
  );
  input.focus();
}

async function queueView() {
  const [counts, items] = await Promise.all([api("/steward/counts"), api(`/steward/review?${queueParams()}`)]);
  session.queue = items;
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const kinds = [...new Set([...KINDS, ...Object.keys(counts)])];
  const refilter = (name) => (event) => {
    session[name] = event.target.value;
    route();
  };
  const toolbar = h("div", { class: "toolbar" },
    h("label", {}, t("kind"), " ",
      h("select", { id: "kind", onchange: refilter("kind") },
        h("option", { value: "" }, `${t("allKinds")} (${total})`),
        kinds.map((k) => h("option", { value: k, selected: session.kind === k }, `${kindLabel(k)} (${counts[k] ?? 0})`)))),
    h("label", {}, t("order"), " ",
      h("select", { id: "order", onchange: refilter("order") },
        ["oldest", "informative", "priority"].map((o) => h("option", { value: o, selected: session.order === o }, t(`order.${o}`))))),
    h("label", {}, t("filterType"), " ",
      h("select", { id: "filter-type", onchange: refilter("type") },
        h("option", { value: "" }, t("anyType")),
        Object.keys(labels?.types ?? {}).map((type) => h("option", { value: type, selected: session.type === type }, typeLabel(type))))),
    ["source", "street", "community"].map((name) =>
      h("label", {}, t(FILTERS[name]), " ",
        h("input", { id: `filter-${name}`, type: "search", maxlength: 200, size: 12, value: session[name],
                     placeholder: name === "source" ? "" : t("filterHint"), onchange: refilter(name) }))),
    h("ul", { class: "counts" },
      kinds.map((k) => h("li", { "data-kind": k }, h("b", {}, String(counts[k] ?? 0)), " ", kindLabel(k)))));
  const open = (item) => () => (location.hash = views[item.kind] ? `#/${item.kind}/${item.id}` : `#/item/${item.id}`);
  const rows = items.map((item) =>
    h("tr", { "data-item": item.id, "data-kind": item.kind, class: "link", onclick: open(item) },
      h("td", {}, `#${item.id}`), h("td", {}, kindLabel(item.kind)),
      h("td", {}, typeLabel(item.payload.entity_type ?? "")), h("td", {}, subject(item)),
      h("td", { class: "num" }, percent(item.payload.probability)),
      h("td", { class: "num" }, item.score === null ? "" : item.score.toFixed(3)),
      h("td", { class: "pattern" }, item.pattern)));
  const head = ["item", "kind", "entityType", "subject", "probability", "score", "pattern"];
  return {
    node: h("section", { class: "queue" }, toolbar,
      items.length
        ? h("table", {}, h("thead", {}, h("tr", {}, head.map((k) => h("th", {}, t(k))))), h("tbody", {}, rows))
        : h("p", { class: "empty" }, t("queueEmpty")),
      h("p", { class: "hint" }, t("queueHint"))),
  };
}

// The entity a record belongs to opens its page; the other metadata is text.
function metaValue(key, side) {
  if (key === "read_at") return when(side[key]);
  if (key === "entity_id" && side.entity_id) {
    return h("a", { class: "entity-link", href: entityHash(side.entity_type, side.entity_id) }, side.entity_id);
  }
  return show(side[key]);
}

function recordsTable(body) {
  const { sides, fields, entity_type: type, item } = body;
  const conflictOn = item.kind === "conflict" ? item.payload.property : null;
  const head = h("tr", {}, h("th", {}, t("field")), sides.map((s, i) => h("th", {}, `${String.fromCharCode(65 + i)} · ${s.source ?? ""}`)));
  const meta = META.map((key) =>
    h("tr", { class: "meta" }, h("th", {}, t(key)),
      sides.map((s) => h("td", {}, s.missing ? (key === "source" ? t("missing") : "") : metaValue(key, s)))));
  const values = fields.map((f) =>
    h("tr", { "data-field": f.name, class: f.name === conflictOn ? "conflict" : f.differs ? "differs" : f.partial ? "partial" : null },
      h("th", {}, fieldLabel(type, f.name), f.pii ? h("span", { class: "pii", title: "PII" }, " ●") : null),
      sides.map((s) => h("td", {}, s.missing ? "" : show(s.values[f.name])))));
  const problems = sides.some((s) => s.problems?.length)
    ? h("tr", { class: "problems" }, h("th", {}, t("problems")), sides.map((s) => h("td", {}, show(s.problems ?? []))))
    : null;
  return h("section", { class: "records" },
    h("h3", {}, t("records"), h("small", {}, ` (${t("differs")})`)),
    h("div", { class: "scroll" }, h("table", {}, h("thead", {}, head), h("tbody", {}, meta, values, problems))));
}

function explanationTable(type, explained) {
  if (explained instanceof Error) return h("section", { class: "explanation" }, h("h3", {}, t("explanation")), h("p", { class: "error" }, explained.message));
  const largest = Math.max(1, Math.abs(explained.prior_weight), ...explained.fields.map((f) => Math.abs(f.weight)));
  const weight = (w) => {
    const bar = h("span", { class: `bar ${w < 0 ? "neg" : "pos"}` });
    bar.style.width = `${(50 * Math.abs(w)) / largest}%`; // CSSOM, which the page's CSP allows
    return h("td", { class: "weight" }, h("span", { class: "num" }, (w >= 0 ? "+" : "") + w.toFixed(2)), bar);
  };
  const rows = explained.fields.map((f) =>
    h("tr", { "data-field": f.field },
      h("th", {}, fieldLabel(type, f.field)),
      h("td", {}, show(f.value_a)), h("td", {}, show(f.value_b)),
      h("td", {}, f.level_description, h("div", { class: "reason" }, f.explanation)),
      weight(f.weight)));
  return h("section", { class: "explanation" },
    h("h3", {}, t("explanation")),
    h("table", {},
      h("thead", {}, h("tr", {}, [t("field"), t("valueA"), t("valueB"), t("comparison"), t("weight")].map((x) => h("th", {}, x)))),
      h("tbody", {},
        h("tr", { class: "prior" }, h("th", { colspan: 4 }, t("prior")), weight(explained.prior_weight)),
        rows,
        h("tr", { class: "total" },
          h("th", { colspan: 4 }, `${t("total")} · ${t("probability")} ${percent(explained.probability)} · ${t("decision")}: ${t(`decision.${explained.decision}`)}`),
          weight(explained.weight)))));
}

function payloadDetails(body) {
  const { item, entity_type: type } = body;
  if (item.kind === "address" && item.payload.candidates?.length) {
    const columns = Object.keys(item.payload.candidates[0]);
    return h("section", {}, h("h3", {}, t("candidates"), h("small", {}, ` ${show(item.payload.reason)}`)),
      h("table", {}, h("thead", {}, h("tr", {}, columns.map((c) => h("th", {}, c)))),
        h("tbody", {}, item.payload.candidates.map((c) => h("tr", {}, columns.map((k) => h("td", {}, show(c[k]))))))));
  }
  if (item.kind === "conflict") {
    return h("p", {}, `${t("conflictOn")}: `, h("b", {}, fieldLabel(type, item.payload.property)), ` — ${t("values")}: ${show(item.payload.values)}`);
  }
  return null;
}

async function itemView(id) {
  const body = await api(`/steward/items/${id}`);
  const { item, sides, answered } = body;
  let explained = null;
  if (item.kind === "merge" && sides.length === 2 && !sides.some((s) => s.missing)) {
    const [a, b] = sides.map((s) => s.mention);
    explained = await api(`/steward/explain?${new URLSearchParams({ a, b })}`).catch((error) => error);
    if (explained instanceof Unauthorised) throw explained;
  }
  const decidable = item.kind === "merge" && !answered;
  const button = (verdict, key) =>
    h("button", { type: "button", class: `verdict ${verdict}`, "data-verdict": verdict, disabled: !decidable,
      onclick: () => decide(item, verdict) }, t(verdict), h("kbd", {}, key));
  const title = [`#${item.id}`, kindLabel(item.kind), typeLabel(body.entity_type)];
  if (item.kind === "merge") title.push(`${t("probability")} ${percent(item.payload.probability)}`);
  const node =
    h("article", { class: "item", "data-item": item.id },
      h("h2", {}, title.join(" · ")),
      answered ? h("p", { class: "answered" }, t("decidedBy", { steward: answered.steward, verdict: t(answered.verdict) })) : null,
      item.kind !== "merge" && !extras[item.kind] ? h("p", { class: "hint" }, t("onlyMerge")) : null,
      h("div", { class: "decide" },
        h("input", { id: "reason", type: "text", maxlength: 2000, placeholder: t("reason"), disabled: !decidable }),
        button("same", "s"), button("different", "d"), button("unsure", "u"),
        h("button", { type: "button", class: "skip", onclick: () => skip(item.id) }, t("skip"), h("kbd", {}, "n")),
        h("p", { class: "hint" }, t("keys"))),
      payloadDetails(body),
      extras[item.kind]?.(body) ?? null,
      recordsTable(body),
      explained ? explanationTable(body.entity_type, explained) : null);
  return { node, current: { item, decidable } };
}

async function historyView() {
  const judgements = await api("/steward/judgements?limit=200");
  const head = ["at", "steward", "verdict", "entityType", "left", "right", "reason", "item"];
  const side = (mention, entity) => h("td", {}, mentionText(mention), h("div", { class: "reason" }, entity));
  const rows = judgements.map((j) =>
    h("tr", { class: j.revoked_at ? "revoked" : null, "data-judgement": j.id },
      h("td", {}, when(j.created_at)), h("td", {}, j.steward),
      h("td", { class: `verdict ${j.verdict}` }, t(j.verdict), j.revoked_at ? ` (${t("revoked")}: ${j.revoked_by})` : ""),
      h("td", {}, typeLabel(j.entity_type)),
      side(j.left_mention, j.left_entity), side(j.right_mention, j.right_entity),
      h("td", {}, j.reason ?? ""), h("td", {}, j.review_item ? `#${j.review_item}` : "")));
  return {
    node: h("section", { class: "history" },
      judgements.length
        ? h("table", {}, h("thead", {}, h("tr", {}, head.map((k) => h("th", {}, t(k))))), h("tbody", {}, rows))
        : h("p", { class: "empty" }, t("noJudgements"))),
  };
}

// --- decisions -----------------------------------------------------------------------------

async function decide(item, verdict) {
  if (session.busy || !session.current?.decidable) return;
  session.busy = true;
  document.querySelectorAll(".decide button, .decide input").forEach((control) => (control.disabled = true));
  status(t("deciding"));
  try {
    const reason = document.getElementById("reason")?.value.trim() || null;
    const result = await api(`/steward/review/${item.id}/decision`, { method: "POST", body: JSON.stringify({ verdict, reason }) });
    status(result.summary);
    await next(item.id);
  } catch (error) {
    if (error instanceof Unauthorised) return showLogin(error.message);
    status(error.message, true);
    await route();
  } finally {
    session.busy = false;
  }
}

function skip(id) {
  if (session.busy) return;
  session.skipped.add(id);
  return next(id);
}

// The next open item after ``id``: the queue is fetched again (the decided item has left it);
// items skipped in this tab come last.
async function next(id) {
  const items = await api(`/steward/review?${queueParams()}`);
  session.queue = items;
  const others = items.filter((item) => item.id !== id);
  const following = others.find((item) => !session.skipped.has(item.id)) ?? others[0];
  if (!following) {
    session.skipped.clear();
    location.hash = "#/queue";
    return;
  }
  if (others.every((item) => session.skipped.has(item.id))) session.skipped.clear();
  location.hash = `#/item/${following.id}`;
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.target.closest?.("input, textarea, select")) return;
  const view = location.hash.split("/")[1] ?? "queue";
  if (event.key === "/") {
    location.hash = "#/search";
    event.preventDefault();
    return;
  }
  if ((view === "entity" || view === "search") && event.key === "Escape") {
    history.back();
    event.preventDefault();
    return;
  }
  if (view === "item" && session.current) {
    const { item } = session.current;
    const verdict = { s: "same", d: "different", u: "unsure" }[event.key];
    if (verdict) decide(item, verdict);
    else if (event.key === "n" || event.key === "ArrowRight") skip(item.id);
    else if (event.key === "Escape") location.hash = "#/queue";
    else return;
    event.preventDefault();
  } else if ((view === "queue" || view === "") && (event.key === "n" || event.key === "ArrowRight") && session.queue.length) {
    const [first] = session.queue;
    location.hash = views[first.kind] ? `#/${first.kind}/${first.id}` : `#/item/${first.id}`;
    event.preventDefault();
  }
});

// --- routing and language ------------------------------------------------------------------

// Views are fetched concurrently when the steward moves fast; only the latest is shown.
let generation = 0;

async function viewFor(view, id, extra) {
  const decode = (part) => decodeURIComponent(part ?? "");
  if (views[view]) return views[view](id); // a view another module registered (decisions.js)
  if (view === "item" && id) return itemView(Number(id));
  if (view === "history") return historyView();
  if (view === "entity" && id && extra) return (await entityModule).entityView(ui, decode(id), decode(extra));
  if (view === "search") return (await entityModule).searchView(ui, decode(id), decode(extra) || "auto");
  return queueView();
}

async function route() {
  const mine = ++generation;
  const signedIn = Boolean(sessionStorage.getItem(KEY));
  document.getElementById("logout").hidden = !signedIn;
  const [, view = "queue", id, extra] = location.hash.split("/");
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active", a.hash === `#/${view}`));
  session.current = null;
  if (!signedIn) return showLogin();
  try {
    labels ??= await api("/steward/labels");
    const shown = await viewFor(view, id, extra);
    if (mine !== generation) return;
    render(shown.node);
    shown.focus?.focus();
    session.current = shown.current ?? null;
    if (document.getElementById("status").classList.contains("error")) status(""); // an old error
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof Unauthorised) return showLogin(error.message);
    status(error.message, true);
  }
}

function applyLanguage() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  document.title = `gridhub ${t("title")}`;
  document.querySelectorAll("[data-t]").forEach((node) => (node.textContent = t(node.dataset.t)));
  const switcher = document.getElementById("lang");
  switcher.textContent = t("otherLanguage");
  switcher.lang = lang === "zh" ? "en" : "zh-CN";
}

document.getElementById("lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem(LANG, lang);
  applyLanguage();
  route();
});

document.getElementById("logout").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  labels = null;
  status("");
  route();
});

window.gridhub = { api, h, t, status, route, showLogin, Unauthorised, lang: () => lang }; // for decisions.js
window.addEventListener("hashchange", route);
applyLanguage();
route();
