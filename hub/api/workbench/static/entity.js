// gridhub review workbench: an entity's page (its values and where they came from, its source
// records, the decisions about it, a picture of its neighbourhood in the graph) and the search
// that leads to it. Loaded by workbench.js, which passes its helpers in (`ui`): the page's DOM
// builder, the API client, labels and language.
//
// The neighbourhood is drawn as inline SVG by the small radial layout below (no library, no
// CDN: the hub works offline): the entity in the middle, its neighbours on a ring around it,
// and further hops on outer rings, each next to the neighbour it was reached from.

const SVG = "http://www.w3.org/2000/svg";

const STRINGS = {
  zh: {
    search: "搜索", searchLabel: "姓名、证件号码或地址", searchKind: "方式", "searchKind.auto": "自动",
    "searchKind.name": "姓名", "searchKind.id": "证件号码", "searchKind.address": "地址", find: "查找",
    noHits: "没有找到。", how: "依据", "how.name": "姓名", "how.id": "号码", "how.address": "地址",
    why: "原因", found: "结果", details: "信息",
    properties: "当前值", property: "属性", golden: "采用值", neighbourhood: "关系图",
    lineage: "值的来源", sourcesGave: "各来源记录的值", pinned: "已锁定", pinnedBy: "{steward} 锁定",
    records: "源记录", department: "部门", firstSeen: "首次读取", lastSeen: "最近读取", readAt: "该版本读取",
    raw: "原始行", retired: "已退役", current: "现行",
    decisions: "决定记录", judgements: "匹配判定", pins: "值锁定", value: "值", previous: "原值",
    noDecisions: "没有关于该实体的决定。", mergedInto: "{asked} 已合并到 {id}。", graphHint: "点击节点打开其页面。",
    trustShort: "可信度", hop1: "直接关联", hop2: "二级关联",
    splitOff: "拆出所选记录（不是此实体）", splitReason: "原因", splitPick: "选择", splitNone: "请先勾选要拆出的记录。",
  },
  en: {
    search: "Search", searchLabel: "Name, ID number or address", searchKind: "By", "searchKind.auto": "auto",
    "searchKind.name": "name", "searchKind.id": "ID number", "searchKind.address": "address", find: "Find",
    noHits: "Nothing found.", how: "Found by", "how.name": "name", "how.id": "identifier", "how.address": "address",
    why: "Why", found: "Found", details: "Details",
    properties: "Values", property: "Property", golden: "Shown value", neighbourhood: "Neighbourhood",
    lineage: "Where the values came from", sourcesGave: "Values the source records gave", pinned: "pinned", pinnedBy: "pinned by {steward}",
    records: "Source records", department: "Department", firstSeen: "First read", lastSeen: "Last read", readAt: "This version read",
    raw: "Raw row", retired: "retired", current: "current",
    decisions: "Decisions", judgements: "Judgements", pins: "Pins", value: "Value", previous: "Before",
    noDecisions: "No decisions about this entity.", mergedInto: "{asked} was merged into {id}.", graphHint: "Click a node to open its page.",
    trustShort: "trust", hop1: "one hop", hop2: "two hops",
    splitOff: "Split the selected records off (not this entity)", splitReason: "Reason", splitPick: "Pick",
    splitNone: "Tick the records to split off first.",
  },
};

export const entityHash = (label, id) => `#/entity/${encodeURIComponent(label)}/${encodeURIComponent(id)}`;
export const searchHash = (query, kind = "auto") => `#/search/${encodeURIComponent(query)}/${encodeURIComponent(kind)}`;

function strings(ui) {
  const table = STRINGS[ui.lang()];
  return (key, values = {}) => (table[key] ?? ui.t(key, values)).replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}

// --- search --------------------------------------------------------------------------------

export async function searchView(ui, query = "", kind = "auto") {
  const { h } = ui;
  const s = strings(ui);
  const input = h("input", { id: "search-q", type: "search", value: query, maxlength: 200, placeholder: s("searchLabel"), required: true });
  const select = h("select", { id: "search-kind" },
    ["auto", "name", "id", "address"].map((k) => h("option", { value: k, selected: k === kind }, s(`searchKind.${k}`))));
  const submit = (event) => {
    event.preventDefault();
    if (input.value.trim()) location.hash = searchHash(input.value.trim(), select.value);
  };
  const form = h("form", { class: "search toolbar", onsubmit: submit },
    h("label", { for: "search-q" }, s("search")), input,
    h("label", {}, s("searchKind"), " ", select),
    h("button", { type: "submit" }, s("find")));
  let results = null;
  if (query) {
    const hits = await ui.api(`/steward/search?${new URLSearchParams({ q: query, kind, limit: "20" })}`);
    const head = ["entityType", "found", "details", "how", "score", "why"];
    results = hits.length
      ? h("table", { class: "hits" },
          h("thead", {}, h("tr", {}, head.map((k) => h("th", {}, s(k))))),
          h("tbody", {}, hits.map((hit) =>
            h("tr", { class: "link", "data-entity": `${hit.label}/${hit.id}`, onclick: () => (location.hash = entityHash(hit.label, hit.id)) },
              h("td", {}, ui.typeLabel(hit.label)),
              h("td", {}, h("a", { href: entityHash(hit.label, hit.id) }, hit.caption), h("div", { class: "reason" }, hit.id)),
              h("td", {}, Object.entries(hit.details).map(([k, v]) => h("div", {}, `${ui.fieldLabel(hit.label, k)}: ${v}`))),
              h("td", {}, s(`how.${hit.how}`)),
              h("td", { class: "num" }, hit.score.toFixed(3)),
              h("td", { class: "reason" }, hit.reasons.join("; "))))))
      : h("p", { class: "empty" }, s("noHits"));
  }
  return { node: h("section", { class: "search-view" }, form, results), focus: query ? null : input };
}

// --- the entity page -----------------------------------------------------------------------

export async function entityView(ui, label, id) {
  const { h } = ui;
  const s = strings(ui);
  const body = await ui.api(`/steward/entities/${encodeURIComponent(label)}/${encodeURIComponent(id)}`);
  const field = (name) => ui.fieldLabel(body.label, name);
  const properties = h("table", { class: "properties" },
    h("tbody", {}, Object.entries(body.properties).map(([name, value]) =>
      h("tr", { "data-field": name }, h("th", {}, field(name), body.pii.includes(name) ? h("span", { class: "pii", title: "PII" }, " ●") : null),
        h("td", {}, ui.show(value))))));
  const node = h("article", { class: "entity", "data-entity": `${body.label}/${body.id}` },
    h("h2", {}, `${ui.typeLabel(body.label)} · ${body.caption}`, h("small", {}, ` ${body.id}`)),
    body.asked !== body.id ? h("p", { class: "hint" }, s("mergedInto", { asked: body.asked, id: body.id })) : null,
    h("div", { class: "entity-top" },
      h("section", { class: "values" }, h("h3", {}, s("properties")), properties),
      h("section", { class: "neighbourhood" }, h("h3", {}, s("neighbourhood")), drawNeighbourhood(ui, body.graph),
        h("p", { class: "hint" }, s("graphHint")))),
    lineageSection(ui, s, body),
    recordsSection(ui, s, body),
    decisionsSection(ui, s, body));
  return { node };
}

function lineageSection(ui, s, body) {
  const { h } = ui;
  const rows = body.lineage.map((line) =>
    h("tr", { "data-field": line.property, class: line.pin ? "pinned" : null },
      h("th", {}, ui.fieldLabel(body.label, line.property)),
      h("td", {}, ui.show(line.golden),
        line.pin ? h("div", { class: "pin" }, `📌 ${s("pinnedBy", { steward: line.pin.steward })}${line.pin.reason ? ` — ${line.pin.reason}` : ""}`) : null),
      h("td", {}, h("ul", { class: "sources" }, line.sources.map((src) =>
        h("li", { class: src.golden ? "golden" : null },
          h("b", {}, ui.show(src.value)), ` · ${src.source}:${src.record_id}`,
          h("span", { class: "reason" }, ` (${src.role}, ${s("trustShort")} ${src.trust})`)))))));
  return h("section", { class: "lineage" }, h("h3", {}, s("lineage")),
    h("table", {}, h("thead", {}, h("tr", {}, [s("property"), s("golden"), s("sourcesGave")].map((x) => h("th", {}, x)))),
      h("tbody", {}, rows)));
}

function recordsSection(ui, s, body) {
  const { h } = ui;
  // A resolved type's current records are its mentions: ticked ones can be split off.
  const split = body.splittable && body.records.filter((r) => !r.retired_at && r.role).length > 1;
  const mention = (r) => `${r.source}:${r.record_id}:${r.role}`;
  const pick = (r) => (split && !r.retired_at && r.role
    ? h("input", { type: "checkbox", class: "split-pick", value: mention(r), "aria-label": mention(r) })
    : "");
  const head = [...(split ? [s("splitPick")] : []), s("source"), s("department"), s("record_id"), s("role"),
    s("firstSeen"), s("lastSeen"), s("readAt"), s("raw")];
  const raw = (row) => (row && typeof row === "object"
    ? h("details", {}, h("summary", {}, `${Object.keys(row).length}`),
        h("dl", {}, Object.entries(row).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, ui.show(v))])))
    : "—");
  const rows = body.records.map((r) =>
    h("tr", { "data-record": r.record, class: r.retired_at ? "revoked" : null },
      split ? h("td", {}, pick(r)) : null,
      h("td", {}, r.source), h("td", {}, ui.show(r.department)), h("td", {}, r.record_id),
      h("td", {}, ui.show(r.role)), h("td", {}, ui.when(r.first_seen)), h("td", {}, ui.when(r.last_seen)),
      h("td", {}, ui.when(r.read_at)), h("td", {}, raw(r.raw))));
  const section = h("section", { class: "source-records" }, h("h3", {}, `${s("records")} (${body.records.length})`),
    h("div", { class: "scroll" }, h("table", {}, h("thead", {}, h("tr", {}, head.map((x) => h("th", {}, x)))), h("tbody", {}, rows))));
  if (!split) return section;
  const reason = h("input", { id: "split-reason", type: "text", maxlength: 2000, placeholder: s("splitReason") });
  const splitOff = async () => {
    const mentions = [...section.querySelectorAll("input.split-pick:checked")].map((box) => box.value);
    if (!mentions.length) return ui.status(s("splitNone"), true);
    try {
      const done = await ui.api(`/steward/entities/${encodeURIComponent(body.label)}/${encodeURIComponent(body.id)}/split`,
        { method: "POST", body: JSON.stringify({ mentions, reason: reason.value.trim() || null }) });
      ui.status(done.summary);
      ui.reload();
    } catch (error) {
      ui.status(error.message, true);
    }
  };
  section.append(h("div", { class: "split" }, reason, " ", h("button", { id: "split-off", type: "button", onclick: splitOff }, s("splitOff"))));
  return section;
}

function decisionsSection(ui, s, body) {
  const { h } = ui;
  const { judgements, pins } = body.decisions;
  if (!judgements.length && !pins.length) return h("section", { class: "decisions" }, h("h3", {}, s("decisions")), h("p", { class: "empty" }, s("noDecisions")));
  const judged = judgements.map((j) =>
    h("tr", { class: j.revoked_at ? "revoked" : null, "data-judgement": j.id },
      h("td", {}, ui.when(j.created_at)), h("td", {}, j.steward),
      h("td", { class: `verdict ${j.verdict}` }, s(j.verdict), j.revoked_at ? ` (${s("revoked")}: ${j.revoked_by})` : ""),
      h("td", {}, h("a", { href: entityHash(j.entity_type, j.left_entity) }, j.left_entity)),
      h("td", {}, h("a", { href: entityHash(j.entity_type, j.right_entity) }, j.right_entity)),
      h("td", {}, j.reason ?? ""), h("td", {}, j.review_item ? `#${j.review_item}` : "")));
  const pinned = pins.map((p) =>
    h("tr", { class: p.revoked_at ? "revoked" : null, "data-pin": p.id },
      h("td", {}, ui.when(p.created_at)), h("td", {}, p.steward), h("td", {}, ui.fieldLabel(p.entity_type, p.property)),
      h("td", {}, ui.show(p.value)), h("td", {}, ui.show(p.previous)), h("td", {}, p.reason ?? "")));
  return h("section", { class: "decisions" }, h("h3", {}, s("decisions")),
    judgements.length ? h("table", { class: "judgements" },
      h("thead", {}, h("tr", {}, [s("at"), s("steward"), s("verdict"), s("left"), s("right"), s("reason"), s("item")].map((x) => h("th", {}, x)))),
      h("tbody", {}, judged)) : null,
    pins.length ? h("table", { class: "pins" },
      h("thead", {}, h("tr", {}, [s("at"), s("steward"), s("property"), s("value"), s("previous"), s("reason")].map((x) => h("th", {}, x)))),
      h("tbody", {}, pinned)) : null);
}

// --- the neighbourhood picture -------------------------------------------------------------

// Positions on rings: hop 1 evenly around the entity; each further hop fanned out in the
// sector of the node it hangs from, one ring further out (a building beyond its address, the
// grid beyond the building).
export function layout(graph, width, height) {
  const cx = width / 2, cy = height / 2;
  const deepest = Math.max(1, ...graph.nodes.map((n) => n.hop));
  // Hop 1 halfway out, the last hop at the rim: room for the labels under the inner nodes.
  // Many neighbours need the room of a wider first ring.
  const rim = Math.min(width, height) * 0.44;
  const inner = graph.nodes.filter((n) => n.hop === 1).length > 10 ? 0.7 : 0.5;
  const ring = (hop) => (hop === 0 ? 0 : rim * (inner + ((1 - inner) * (hop - 1)) / Math.max(deepest - 1, 1)));
  const at = new Map();
  const centre = graph.nodes.find((n) => n.hop === 0);
  if (centre) at.set(centre.key, { x: cx, y: cy, angle: -Math.PI / 2, sector: 2 * Math.PI });
  const place = (n, angle, sector) =>
    at.set(n.key, { x: cx + ring(n.hop) * Math.cos(angle), y: cy + ring(n.hop) * Math.sin(angle), angle, sector });
  const first = graph.nodes.filter((n) => n.hop === 1);
  const share = (2 * Math.PI) / Math.max(first.length, 1);
  first.forEach((n, i) => place(n, share * i - Math.PI / 2, share));
  for (let hop = 2; hop <= deepest; hop++) {
    const children = new Map();
    for (const n of graph.nodes.filter((n) => n.hop === hop)) {
      const edge = graph.edges.find((e) => (e.to === n.key && at.get(e.from)) || (e.from === n.key && at.get(e.to)));
      const parent = edge ? (edge.to === n.key ? edge.from : edge.to) : centre?.key;
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(n);
    }
    for (const [parent, kids] of children) {
      const { angle = 0, sector = share } = at.get(parent) ?? {};
      const each = (sector * 0.8) / kids.length;
      kids.forEach((n, i) => place(n, angle + each * (i + 0.5) - (sector * 0.8) / 2, each));
    }
  }
  return at;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// An address is told apart by its end (building, unit, room), anything else by its start.
const shorten = (text, n, tail = false) =>
  text.length <= n ? text : tail ? `…${text.slice(text.length - n + 1)}` : `${text.slice(0, n - 1)}…`;

function drawNeighbourhood(ui, graph) {
  const width = 560, height = 420;
  const at = layout(graph, width, height);
  // A crowded picture keeps its lines and node names; the relationship names would cover them.
  const drawn = graph.edges.filter((e) => at.has(e.from) && at.has(e.to));
  const named = drawn.length <= 14;
  const lines = drawn.map((e) => {
    const a = at.get(e.from), b = at.get(e.to);
    return svg("g", { class: "edge" },
      svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y }),
      named ? svg("text", { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, "text-anchor": "middle", "dominant-baseline": "middle" }, e.type) : null);
  });
  const crowded = graph.nodes.length > 20;
  const dots = graph.nodes.filter((n) => at.has(n.key)).map((n) => {
    const p = at.get(n.key);
    const r = n.hop === 0 ? 16 : crowded ? 6 : n.hop === 1 ? 11 : 7;
    const title = svg("title", {}, `${ui.typeLabel(n.label)} ${n.caption} (${n.id})`);
    const group = svg("g", { class: `node hop${n.hop} type-${n.label}`, "data-node": n.key },
      title,
      svg("circle", { cx: p.x, cy: p.y, r }),
      crowded && n.hop > 0 ? null : svg("text", { x: p.x, y: p.y + r + 12, "text-anchor": "middle", class: "type" }, ui.typeLabel(n.label)),
      svg("text", { x: p.x, y: p.y + r + (crowded && n.hop > 0 ? 11 : 24), "text-anchor": "middle" },
        shorten(n.caption, n.hop === 0 ? 18 : crowded ? 7 : 10, n.label === "Address")));
    if (n.hop === 0) return group;
    return svg("a", { href: entityHash(n.label, n.id) }, group);
  });
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "graph", "aria-label": "neighbourhood" }, lines, dots);
}
