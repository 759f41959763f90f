// The planmap web workspace: the plan drawn from planmap's own vector tiles,
// a block checked by dropping its coordinate file, pasting or drawing it,
// and — with a token — submitted, reviewed, printed and verified.
//
// OpenLayers (the global `ol`, served by planmap under /assets) draws with
// the browser's own fonts, so Chinese labels need no glyph server and the
// page fetches nothing from outside. Every figure shown comes from planmap's
// answers as they are; the page computes no area of its own.
import { words, problemWords } from './words.js';

const config = JSON.parse(document.getElementById('planmap-config').textContent);
const base = new URL('./', location.href);
let lang = config.lang === 'en' ? 'en' : 'zh';

function t(key, ...args) {
  const text = words[lang][key] ?? words.zh[key] ?? key;
  return text.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ''));
}

// ---------------------------------------------------------------- the API

/** An RFC 9457 problem answer, kept whole. */
class Problem extends Error {
  constructor(status, doc) {
    super(doc.detail || doc.title || `HTTP ${status}`);
    this.status = status;
    this.doc = doc;
  }
}

const session = { token: sessionStorage.getItem('planmap-token'), name: null, role: null };
const ROLES = ['viewer', 'planner', 'reviewer', 'admin'];

async function api(path, { method = 'GET', body, type, accept = 'application/json' } = {}) {
  const headers = { accept };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  if (type) headers['content-type'] = type;
  const response = await fetch(new URL(path, base), { method, body, headers });
  const text = await response.text();
  const contentType = response.headers.get('content-type') || '';
  if (!response.ok) {
    let doc = { title: response.statusText, detail: text.slice(0, 300) };
    if (contentType.includes('json')) {
      try { doc = JSON.parse(text); } catch { /* keep the text */ }
    }
    throw new Problem(response.status, doc);
  }
  return contentType.includes('json') ? JSON.parse(text) : text;
}

/** Replaces a node's children, leaving out the absent ones (the DOM's own
 * replaceChildren would write `null` as text). */
function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const esc = (v) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// One formatter a precision: toLocaleString builds one a call, which a
// table of thousands of overlaps would pay for in hundreds of milliseconds.
const formats = new Map();
const fmt = (x, digits = 2) => {
  if (!formats.has(digits)) formats.set(digits, new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
  return formats.get(digits).format(Number(x));
};
const pct = (x) => `${(100 * x).toFixed(2)}%`;

/** A problem as a reviewer reads it: what it means, what planmap said, where. */
function problemBox(error) {
  if (!(error instanceof Problem)) {
    return el('div', { class: 'problem', role: 'alert' }, String(error));
  }
  const doc = error.doc;
  const slug = String(doc.type || '').split('/').pop();
  const meaning = problemWords[lang][slug] || problemWords.zh[slug];
  const where = [];
  if (doc.sheet !== undefined) where.push(t('where_sheet', doc.sheet));
  if (doc.row !== undefined) where.push(t('where_row', doc.row));
  if (doc.line !== undefined) where.push(t('where_line', doc.line));
  if (doc.record !== undefined) where.push(t('where_record', doc.record));
  if (doc.polygon !== undefined) where.push(t('where_polygon', Number(doc.polygon) + 1));
  if (doc.ring !== undefined) where.push(t('where_ring', doc.ring));
  if (doc.vertex !== undefined) where.push(t('where_vertex', Number(doc.vertex) + 1));
  if (Array.isArray(doc.coordinates) && doc.coordinates.length >= 2) {
    markProblemPoint(doc.coordinates);
    where.push(t('where_point'));
  }
  return el('div', { class: 'problem', role: 'alert', dataset: { problem: slug, status: error.status } },
    el('strong', {}, `${t('problem')}（${error.status}）：`, meaning || doc.title || ''),
    where.length ? el('div', { class: 'where' }, where.join('，')) : null,
    el('div', { class: 'detail' }, doc.detail || ''),
    el('div', { class: 'type' }, doc.type || ''));
}

// ---------------------------------------------------------------- the map

const PALETTE = {
  reject: ['#c62828', '#ad1457', '#d84315', '#6a1b9a', '#b71c1c', '#880e4f'],
  warn: ['#ef6c00', '#f9a825', '#8d6e63', '#ff8f00', '#e65100', '#9e9d24'],
  info: ['#1565c0', '#00838f', '#2e7d32', '#4527a0', '#0277bd', '#558b2f', '#37474f', '#5d4037'],
};
// Reference layers lowest, the ones that refuse a block on top.
const STACK = { info: 0, warn: 1, reject: 2 };

const projection = 'EPSG:3857';
const view = new ol.View({ center: ol.proj.fromLonLat([112.8, 36.3]), zoom: 9, maxZoom: 20 });
const map = new ol.Map({ target: 'map', view, layers: [] });
map.addControl(new ol.control.ScaleLine());
window.planmapWorkspace = { map, ready: false, lastAnswer: null };

for (const b of config.basemaps || []) {
  // Joined as text: new URL() would percent-encode the template's braces.
  const url = b.url.startsWith('/') ? `${base.origin}${b.url}` : b.url;
  const attributions = config.attribution || undefined;
  map.addLayer(b.kind === 'mvt'
    ? new ol.layer.VectorTile({
      source: new ol.source.VectorTile({ url, format: new ol.format.MVT(), attributions }),
      style: new ol.style.Style({ stroke: new ol.style.Stroke({ color: '#bbb', width: 1 }), fill: new ol.style.Fill({ color: 'rgba(0,0,0,0.03)' }) }),
      zIndex: -1,
    })
    : new ol.layer.Tile({ source: new ol.source.XYZ({ url, attributions, crossOrigin: 'anonymous' }), zIndex: -1 }));
}

function rgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/** One layer's styles at its opacity: colour by what an overlap means. */
function layerStyles(layer) {
  const a = layer.opacity;
  const fillAlpha = (layer.on_overlap === 'info' ? 0.06 : 0.3) * a;
  const width = layer.on_overlap === 'info' ? 1.5 : 1;
  // Within the one plan layer, refusing layers are drawn over reference ones.
  const zIndex = STACK[layer.on_overlap] * 100 - catalog.indexOf(layer) * 0.01;
  return {
    plain: new ol.style.Style({
      zIndex,
      fill: new ol.style.Fill({ color: rgba(layer.color, fillAlpha) }),
      stroke: new ol.style.Stroke({ color: rgba(layer.color, a), width }),
      image: new ol.style.Circle({ radius: 4, fill: new ol.style.Fill({ color: rgba(layer.color, a) }), stroke: new ol.style.Stroke({ color: rgba('#ffffff', a), width: 1 }) }),
    }),
    label: new ol.style.Style({
      zIndex: zIndex + 1000,
      text: new ol.style.Text({
        font: '12px system-ui, "Noto Sans CJK SC", "Microsoft YaHei", sans-serif',
        fill: new ol.style.Fill({ color: rgba('#222222', a) }),
        stroke: new ol.style.Stroke({ color: rgba('#ffffff', a), width: 3 }),
        overflow: false,
      }),
    }),
  };
}

const tileSource = new ol.source.OGCVectorTile({
  url: new URL('tiles/WebMercatorQuad', base).href,
  format: new ol.format.MVT(),
});
let tileErrors = 0;
let tilesLoaded = 0;
tileSource.on('tileloaderror', () => { tileErrors += 1; });
tileSource.on('tileloadend', () => { tilesLoaded += 1; });

let catalog = [];
const byId = new Map();

// One map layer draws every planning layer from the dataset tiles (one
// request a tile for all of them); each planning layer's visibility and
// opacity live in its own styles. Twenty map layers over one source would
// each walk every feature of every tile: twenty times the drawing.
const planLayer = new ol.layer.VectorTile({
  source: tileSource,
  zIndex: 10,
  properties: { planmapLayer: 'plan' },
  style: (feature, resolution) => {
    const layer = byId.get(feature.get('layer'));
    if (!layer || !layer.visible) return undefined;
    // Names from about 1:70,000 (z13) for the many small features, from the
    // first zoom for layers of a few large ones.
    const name = feature.get('name');
    if (name && (resolution < 20 || layer.features <= 30)) {
      layer.styles.label.getText().setText(String(name));
      return [layer.styles.plain, layer.styles.label];
    }
    return layer.styles.plain;
  },
});

async function loadPlan() {
  catalog = await api('layers');
  const used = { reject: 0, warn: 0, info: 0 };
  for (const layer of catalog) {
    const colors = PALETTE[layer.on_overlap] || PALETTE.info;
    layer.color = colors[used[layer.on_overlap] % colors.length];
    used[layer.on_overlap] += 1;
    layer.visible = true;
    layer.opacity = 1;
    layer.styles = layerStyles(layer);
    byId.set(layer.id, layer);
  }
  map.addLayer(planLayer);
  const extent = catalog.reduce((acc, l) => (l.bbox ? ol.extent.extend(acc, ol.proj.transformExtent(l.bbox, 'EPSG:4326', projection)) : acc), ol.extent.createEmpty());
  if (!ol.extent.isEmpty(extent)) view.fit(extent, { padding: [20, 20, 20, 20], maxZoom: 12 });
  renderLayerList();
}

function showLayer(layer, visible) {
  layer.visible = visible;
  planLayer.changed();
}

function setOpacity(layer, opacity) {
  layer.opacity = opacity;
  layer.styles = layerStyles(layer);
  planLayer.changed();
}

// Candidates from their own tileset, coloured by status.
const STATUS_COLORS = { submitted: '#455a64', pass: '#2e7d32', warn: '#ef6c00', reject: '#c62828' };
let candidatesLayer = null;
function loadCandidatesLayer() {
  if (!config.store) return;
  const styles = {};
  candidatesLayer = new ol.layer.VectorTile({
    source: new ol.source.OGCVectorTile({ url: new URL('collections/candidates/tiles/WebMercatorQuad', base).href, format: new ol.format.MVT() }),
    style: (feature) => {
      const status = String(feature.get('status') || 'submitted');
      const color = STATUS_COLORS[status] || STATUS_COLORS.submitted;
      styles[status] ??= new ol.style.Style({
        fill: new ol.style.Fill({ color: rgba(color, 0.15) }),
        stroke: new ol.style.Stroke({ color, width: 2, lineDash: [6, 4] }),
      });
      return styles[status];
    },
    zIndex: 400,
    properties: { planmapLayer: 'candidates' },
  });
  map.addLayer(candidatesLayer);
}

function renderLayerList() {
  const tab = document.getElementById('tab-layers');
  fill(tab,
    el('div', { class: 'legend' }, el('strong', {}, `${t('legend')}：`),
      ...['reject', 'warn', 'info'].map((k) => el('span', {}, el('span', { class: 'swatch', style: `border-color:${PALETTE[k][0]};background:${rgba(PALETTE[k][0], 0.3)}` }), ' ', t(k)))),
    config.basemaps?.length ? null : el('p', { class: 'hint' }, t('no_basemap')),
    el('div', { id: 'layer-list' }, ...catalog.map((layer) => {
      return el('div', { class: 'layer-row', dataset: { layer: layer.id } },
        el('input', { type: 'checkbox', checked: layer.visible, title: layer.id, onchange: (e) => showLayer(layer, e.target.checked) }),
        el('span', { class: 'swatch', style: `border-color:${layer.color};background:${rgba(layer.color, 0.3)}` }),
        el('span', { title: layer.id }, lang === 'en' && layer.title_en ? layer.title_en : layer.title,
          ' ', el('small', { class: `on-${layer.on_overlap}` }, t(layer.on_overlap)), ' ', el('small', {}, t('features', layer.features))),
        el('span', {},
          el('input', { type: 'range', min: 0, max: 1, step: 0.1, value: layer.opacity, title: t('opacity'), oninput: (e) => setOpacity(layer, Number(e.target.value)) }),
          el('button', { type: 'button', title: t('zoom_to'), class: 'zoom', onclick: () => layer.bbox && view.fit(ol.proj.transformExtent(layer.bbox, 'EPSG:4326', projection), { padding: [30, 30, 30, 30], maxZoom: 16, duration: 300 }) }, '⌖'),
          el('button', { type: 'button', title: t('stats'), class: 'stats', onclick: (e) => showLayerStats(layer, e.target.closest('.layer-row').querySelector('.layer-stats')) }, 'Σ')),
        layer.rule ? el('div', { class: 'rule' }, layer.rule) : null,
        el('div', { class: 'rule layer-stats' }));
    }),
    candidatesLayer ? el('div', { class: 'layer-row', dataset: { layer: 'candidates' } },
      el('input', { type: 'checkbox', checked: candidatesLayer.getVisible(), onchange: (e) => candidatesLayer.setVisible(e.target.checked) }),
      el('span', { class: 'swatch', style: `border-color:${STATUS_COLORS.submitted}` }),
      el('span', {}, t('candidates_layer'), ' ', ...Object.entries(STATUS_COLORS).map(([s, c]) => el('small', { style: `color:${c}` }, ` ${t(`status_${s}`)}`))),
      el('span', {})) : null));
}

/** A layer's totals from planmap's statistics (查询统计): count, area,
 * length; then a form to group them by properties (and to measure only what
 * lies inside another layer), and, for the plan's own blocks, whole-plan QA. */
async function showLayerStats(layer, box) {
  try {
    const { total } = await api(`collections/${encodeURIComponent(layer.id)}/stats`);
    const queryables = await api(`collections/${encodeURIComponent(layer.id)}/queryables`).catch(() => ({ properties: {} }));
    const names = Object.keys(queryables.properties || {}).filter((n) => n !== 'id' && n !== 'geometry');
    const areaLayers = catalog.filter((l) => l.id !== layer.id && l.features > 0);
    const groups = el('div', { class: 'stats-groups' });
    const groupBy = el('select', { class: 'group-by', multiple: true, size: Math.min(4, Math.max(2, names.length)) }, ...names.map((n) => el('option', { value: n }, n)));
    const inside = el('select', { class: 'inside' }, el('option', { value: '' }, t('inside_none')), ...areaLayers.map((l) => el('option', { value: l.id }, lang === 'en' && l.title_en ? l.title_en : l.title)));
    // Grouping what lies inside another layer by that layer's properties
    // (`LAYER.property`) is the usual overlay question: farmland in
    // subsidence areas by whether they are remediated.
    inside.addEventListener('change', async () => {
      for (const o of [...groupBy.options]) if (o.value.includes('.')) o.remove();
      if (!inside.value) return;
      const theirs = await api(`collections/${encodeURIComponent(inside.value)}/queryables`).catch(() => ({ properties: {} }));
      for (const n of Object.keys(theirs.properties || {}).filter((k) => k !== 'id' && k !== 'geometry')) groupBy.append(el('option', { value: `${inside.value}.${n}` }, `${inside.value}.${n}`));
    });
    const isBlocks = (layer.roles || []).some((r) => r === 'exploration_block' || r === 'mining_block');
    fill(box,
      el('div', { class: 'stats-total' }, statsLine(total)),
      el('details', { class: 'stats-form no-print' }, el('summary', {}, t('group_stats')),
        el('label', {}, `${t('group_by')} `, groupBy), ' ',
        el('label', {}, `${t('inside')} `, inside), ' ',
        el('button', { type: 'button', class: 'group', onclick: () => showGroups(layer, [...groupBy.selectedOptions].map((o) => o.value), inside.value, groups) }, t('group'))),
      groups,
      isBlocks ? el('button', { type: 'button', class: 'qa no-print', onclick: (e) => runQa({ layer: layer.id }, e.target.nextElementSibling) }, t('qa_layer')) : null,
      isBlocks ? el('div', { class: 'qa-result' }) : null);
    box.dataset.count = total.count;
  } catch (error) {
    fill(box, problemBox(error));
  }
}

function statsLine(figures) {
  const parts = [t('features', figures.count)];
  if (figures.areas) parts.push(`${t('area')} ${fmt(figures.area_m2)} m²（${fmt(figures.area_mu)} 亩）`);
  if (figures.lines) parts.push(`${t('length_m')} ${fmt(figures.length_m)}`);
  return parts.join('，');
}

/** Grouped statistics as /stats gives them, a row a group, and its CSV. */
async function showGroups(layer, groupBy, inside, out) {
  const q = new URLSearchParams();
  if (inside) q.set('inside', inside);
  // Grouping by the containing layer's features is what `inside` is for.
  const keys = inside && groupBy.length === 0 ? [] : groupBy;
  if (keys.length) q.set('group_by', keys.join(','));
  const path = `collections/${encodeURIComponent(layer.id)}/stats?${q}`;
  fill(out, el('p', {}, t('checking')));
  try {
    const stats = await api(path);
    const rows = stats.groups.map((g) => el('tr', {},
      ...stats.group_by.map((k) => el('td', {}, g.key[k] === null || g.key[k] === undefined ? '—' : String(g.key[k]))),
      el('td', { class: 'num' }, g.count),
      el('td', { class: 'num m2' }, fmt(g.area_m2)), el('td', { class: 'num' }, fmt(g.area_mu)),
      el('td', { class: 'num' }, g.lines ? fmt(g.length_m) : '')));
    fill(out,
      el('table', { class: 'groups', dataset: { groups: stats.groups.length } },
        el('thead', {}, el('tr', {}, ...stats.group_by.map((k) => el('th', {}, k)), ...['count', 'area_m2_head', 'area_mu_head', 'length_m'].map((k) => el('th', {}, t(k))))),
        el('tbody', {}, ...rows),
        el('tfoot', {}, el('tr', {}, el('td', { colspan: Math.max(1, stats.group_by.length) }, t('total')), el('td', { class: 'num' }, stats.total.count),
          el('td', { class: 'num m2' }, fmt(stats.total.area_m2)), el('td', { class: 'num' }, fmt(stats.total.area_mu)), el('td', { class: 'num' }, stats.total.lines ? fmt(stats.total.length_m) : '')))),
      el('a', { href: new URL(`${path}&f=csv`, base).href, download: `${layer.id}-stats.csv`, class: 'no-print' }, t('download_csv_stats')));
    window.planmapWorkspace.lastStats = stats;
  } catch (error) {
    fill(out, problemBox(error));
  }
}

/** Whole-plan QA (the annual adjustment) of a layer of blocks or of a file:
 * the summary, each problem, and the printable page. */
async function runQa(what, out) {
  fill(out, el('p', {}, t('checking')));
  try {
    const report = await askQa(what);
    const s = report.summary;
    const problems = report.blocks.flatMap((b) => b.problems.map((p) => ({ block: b, p })));
    fill(out,
      el('p', { class: s.with_problems ? 'problem qa-summary' : 'ok qa-summary', dataset: { blocks: s.blocks, withProblems: s.with_problems } },
        t('qa_summary', s.blocks, s.clean, s.with_problems, fmt(s.area_m2))),
      problems.length ? el('table', { class: 'qa-problems' },
        el('thead', {}, el('tr', {}, ...['qa_block', 'qa_problem', 'qa_detail'].map((k) => el('th', {}, t(k))))),
        el('tbody', {}, ...problems.map(({ block, p }) => el('tr', { dataset: { kind: p.kind } },
          el('td', {}, block.name ? `${block.id} ${block.name}` : block.id),
          el('td', {}, t(`qa_${p.kind}`)), el('td', {}, p.detail))))) : null,
      el('button', { type: 'button', class: 'qa-print no-print', onclick: () => openQaPage(what, out) }, t('report')));
    window.planmapWorkspace.lastQa = report;
  } catch (error) {
    fill(out, problemBox(error));
  }
}

/** POST /qa of a catalog layer (`{layer}`) or of a submission's bytes. */
function askQa(what, f) {
  const q = new URLSearchParams();
  if (f) q.set('f', f);
  if (what.format) q.set('format', what.format);
  const body = what.layer ? JSON.stringify({ layer: what.layer }) : what.bytes;
  const type = what.layer ? 'application/json' : what.type;
  return api(`qa?${q}`, { method: 'POST', type, body, accept: f === 'html' ? 'text/html' : 'application/json' });
}

async function openQaPage(what, out) {
  try {
    const html = await askQa(what, 'html');
    window.planmapWorkspace.lastQaPage = html;
    window.open(URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' })), '_blank');
  } catch (error) {
    out.append(problemBox(error));
  }
}

// ------------------------------------------------------ clicking a feature

const popup = document.getElementById('popup');
const popupOverlay = new ol.Overlay({ element: popup, autoPan: true, positioning: 'bottom-left', offset: [8, -8] });
map.addOverlay(popupOverlay);

map.on('singleclick', async (event) => {
  if (drawing) return;
  const hit = [];
  map.forEachFeatureAtPixel(event.pixel, (feature, layer) => { hit.push({ feature, layer }); }, { hitTolerance: 3 });
  // The candidate's outline and the block grid lie over the overlaps too:
  // an overlap under the pointer is what a click on a result means.
  // Where overlaps lie over each other (a block inside a mining area inside
  // an energy base), the smallest is the one the pointer most likely means.
  const overlaps = hit.filter((h) => resultLayers.includes(h.layer) && h.feature.get('conflict_index') !== undefined);
  if (overlaps.length) {
    const smallest = overlaps.reduce((a, b) => (b.feature.get('size') < a.feature.get('size') ? b : a));
    selectConflict(smallest.feature.get('conflict_index'), false);
    return;
  }
  const plan = hit.find((h) => h.layer?.get('planmapLayer'));
  if (!plan) { popup.hidden = true; return; }
  const props = plan.feature.getProperties();
  const layerId = plan.layer === planLayer ? props.layer : 'candidates';
  const layer = catalog.find((l) => l.id === layerId);
  popup.hidden = false;
  popupOverlay.setPosition(event.coordinate);
  const rows = Object.entries(props).filter(([k]) => k !== 'layer' && k !== 'geometry');
  fill(popup,
    el('button', { type: 'button', style: 'float:right', onclick: () => { popup.hidden = true; } }, '×'),
    el('strong', {}, layer ? (lang === 'en' && layer.title_en ? layer.title_en : layer.title) : t('candidates_layer')),
    el('table', { class: 'attributes' }, ...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, String(v))))),
    layer?.rule ? el('p', { class: 'rule' }, `${t('rule')}：${layer.rule}`) : null,
    el('p', { class: 'area' }));
  // The tile's geometry is cut to the tile and simplified: the area is
  // planmap's own, of the whole feature on the ellipsoid.
  if (layer && props.id !== undefined && plan.feature.getType?.().includes('Polygon')) {
    try {
      const feature = await api(`collections/${encodeURIComponent(layerId)}/items/${encodeURIComponent(props.id)}`, { accept: 'application/geo+json' });
      const answer = await api(`check?layers=${encodeURIComponent(layerId)}&geometry=false`, { method: 'POST', type: 'application/geo+json', body: JSON.stringify(feature.geometry) });
      popup.querySelector('.area').textContent = `${t('area')}：${fmt(answer.candidate.area_m2)} m²（${fmt(answer.candidate.area_mu)} 亩，${fmt(answer.candidate.area_km2, 4)} km²）`;
    } catch (error) {
      fill(popup.querySelector('.area'), problemBox(error));
    }
  }
});

// ------------------------------------------------------------- a check

const resultSource = new ol.source.Vector();
const highlightSource = new ol.source.Vector();
const problemSource = new ol.source.Vector();
const RESULT_STYLES = {
  candidate: new ol.style.Style({ stroke: new ol.style.Stroke({ color: '#000', width: 2.5 }), fill: new ol.style.Fill({ color: 'rgba(255,255,255,0.05)' }) }),
  block_whole: new ol.style.Style({ stroke: new ol.style.Stroke({ color: 'rgba(69,90,100,0.9)', width: 1 }), fill: new ol.style.Fill({ color: 'rgba(69,90,100,0.12)' }) }),
  block_partial: new ol.style.Style({ stroke: new ol.style.Stroke({ color: 'rgba(69,90,100,0.8)', width: 1, lineDash: [4, 3] }) }),
  net: new ol.style.Style({ stroke: new ol.style.Stroke({ color: '#2e7d32', width: 2 }), fill: new ol.style.Fill({ color: 'rgba(46,125,50,0.25)' }) }),
  conflict_reject: new ol.style.Style({ stroke: new ol.style.Stroke({ color: '#b71c1c', width: 2 }), fill: new ol.style.Fill({ color: 'rgba(198,40,40,0.55)' }) }),
  conflict_warn: new ol.style.Style({ stroke: new ol.style.Stroke({ color: '#e65100', width: 2 }), fill: new ol.style.Fill({ color: 'rgba(239,108,0,0.5)' }) }),
  conflict_info: new ol.style.Style({ stroke: new ol.style.Stroke({ color: '#0d47a1', width: 1.5 }), fill: new ol.style.Fill({ color: 'rgba(21,101,192,0.2)' }) }),
};
const resultLayer = new ol.layer.Vector({ source: resultSource, zIndex: 500, style: (f) => RESULT_STYLES[f.get('role')], properties: { planmapResult: true } });
const highlightLayer = new ol.layer.Vector({
  source: highlightSource,
  zIndex: 600,
  style: new ol.style.Style({ stroke: new ol.style.Stroke({ color: '#ffeb3b', width: 5 }), fill: new ol.style.Fill({ color: 'rgba(255,235,59,0.35)' }) }),
});
const problemLayer = new ol.layer.Vector({
  source: problemSource,
  zIndex: 700,
  style: new ol.style.Style({ image: new ol.style.Circle({ radius: 9, stroke: new ol.style.Stroke({ color: '#b71c1c', width: 3 }), fill: new ol.style.Fill({ color: 'rgba(255,255,255,0.6)' }) }) }),
});
const resultLayers = [resultLayer, highlightLayer];
map.addLayer(resultLayer);
map.addLayer(highlightLayer);
map.addLayer(problemLayer);
const geojson = new ol.format.GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: projection });

function markProblemPoint([lon, lat]) {
  problemSource.clear();
  const point = new ol.Feature(new ol.geom.Point(ol.proj.fromLonLat([lon, lat])));
  problemSource.addFeature(point);
  view.animate({ center: point.getGeometry().getCoordinates(), zoom: Math.max(view.getZoom() || 12, 14), duration: 300 });
}

/** The block last sent, to check it again with other options or submit it. */
let lastSubmission = null;

const MEDIA = {
  geojson: 'application/geo+json', json: 'application/geo+json', txt: 'text/plain', csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', zip: 'application/zip',
};

function renderCheckForm() {
  const tab = document.getElementById('tab-check');
  const fileInput = el('input', { type: 'file', id: 'file', accept: '.txt,.csv,.xlsx,.zip,.geojson,.json', hidden: true, onchange: (e) => e.target.files[0] && checkFile(e.target.files[0]) });
  const drop = el('div', { class: 'drop', id: 'drop' }, t('drop_here'), ' ',
    el('a', { href: '#', onclick: (e) => { e.preventDefault(); fileInput.click(); } }, t('pick_file')), fileInput,
    el('div', { class: 'hint' }, t('file_kinds')));
  for (const name of ['dragenter', 'dragover']) drop.addEventListener(name, (e) => { e.preventDefault(); drop.classList.add('over'); });
  for (const name of ['dragleave', 'drop']) drop.addEventListener(name, () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); const f = e.dataTransfer?.files?.[0]; if (f) checkFile(f); });
  const zones = [36, 37, 38, 39, 40];
  fill(tab,
    el('fieldset', { class: 'options' },
      el('label', {}, `${t('kind')} `, el('select', { id: 'kind' },
        el('option', { value: '' }, t('kind_none')),
        ...['exploration_block', 'mining_block', 'mining_right'].map((k) => el('option', { value: k }, t(`kind_${k}`))))),
      el('label', {}, `${t('mineral')} `, el('input', { id: 'mineral', list: 'minerals', size: 6 }),
        el('datalist', { id: 'minerals' }, ...['煤', '煤层气', '铁', '铝土矿', '石灰岩', '建筑用砂', '矿泉水', '地热'].map((m) => el('option', { value: m })))),
      el('label', {}, `${t('as_of')} `, el('input', { id: 'as_of', type: 'date' })),
      el('label', {}, `${t('corners')} `, el('select', { id: 'corners' },
        el('option', { value: '' }, t('corners_none')), el('option', { value: 'dms' }, t('corners_dms')),
        ...zones.map((z) => el('option', { value: String(z), selected: z === 38 }, t('corners_zone', z))))),
      el('br'),
      el('label', {}, el('input', { id: 'nearest', type: 'checkbox' }), ` ${t('nearest_ask')}`), ' ',
      el('label', { title: t('buffer_hint') }, `${t('buffer')} `, el('input', { id: 'buffer', size: 18, placeholder: 'ground_fissures:100' })), ' ',
      el('label', { title: t('depth_hint') }, `${t('depth')} `, el('input', { id: 'depth_top', type: 'number', step: 'any', size: 5, placeholder: '+800' }), ' … ',
        el('input', { id: 'depth_bottom', type: 'number', step: 'any', size: 5, placeholder: '+200' }), ' m')),
    el('h3', {}, t('input_title')),
    drop,
    el('p', {}, t('paste')),
    el('textarea', { id: 'paste', rows: 5 }),
    el('div', {},
      el('button', { type: 'button', id: 'check-pasted', onclick: checkPasted }, t('check_pasted')), ' ',
      el('button', { type: 'button', id: 'draw', onclick: startDrawing }, t('draw')), ' ',
      el('span', { id: 'draw-hint', class: 'hint', hidden: true }, t('drawing'))),
    el('div', { id: 'result', 'aria-live': 'polite' }));
  for (const id of ['kind', 'mineral', 'as_of', 'corners', 'nearest', 'buffer', 'depth_top', 'depth_bottom']) {
    document.getElementById(id).addEventListener('change', () => lastSubmission && runCheck(lastSubmission));
  }
}

async function checkFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const ext = file.name.split('.').pop().toLowerCase();
  runCheck({ bytes, type: MEDIA[ext] || 'application/octet-stream', fileName: file.name, format: ext === 'zip' ? 'shapefile' : undefined });
}

function checkPasted() {
  const text = document.getElementById('paste').value;
  const trimmed = text.trim();
  const isJson = trimmed.startsWith('{');
  runCheck({ bytes: new TextEncoder().encode(text), type: isJson ? 'application/geo+json' : 'text/plain', geometry: isJson ? trimmed : undefined });
}

let drawing = null;
function startDrawing() {
  if (drawing) return;
  const source = new ol.source.Vector();
  drawing = new ol.interaction.Draw({ source, type: 'Polygon' });
  document.getElementById('draw-hint').hidden = false;
  drawing.on('drawend', (event) => {
    const geometry = geojson.writeGeometryObject(event.feature.getGeometry(), { decimals: 8 });
    map.removeInteraction(drawing);
    // The click that ended the drawing must not open a popup.
    setTimeout(() => { drawing = null; }, 0);
    document.getElementById('draw-hint').hidden = true;
    const text = JSON.stringify(geometry);
    document.getElementById('paste').value = text;
    runCheck({ bytes: new TextEncoder().encode(text), type: 'application/geo+json', geometry: text });
  });
  map.addInteraction(drawing);
}

function checkQuery() {
  const q = new URLSearchParams({ echo: 'true', net: 'true', blocks: 'true' });
  const kind = document.getElementById('kind').value;
  const mineral = document.getElementById('mineral').value.trim();
  const asOf = document.getElementById('as_of').value;
  const corners = document.getElementById('corners').value;
  if (kind) q.set('kind', kind);
  if (mineral) q.set('mineral', mineral);
  if (asOf) q.set('as_of', asOf);
  if (corners) q.set('corners', corners);
  for (const [k, v] of analysesAsked()) q.set(k, v);
  return q;
}

/** The analyses asked for on the form (nearest, buffers, depth), as
 * `/check` and a review both read them. */
function analysesAsked() {
  const asked = [];
  if (document.getElementById('nearest')?.checked) asked.push(['nearest', 'true']);
  const buffer = document.getElementById('buffer')?.value.trim();
  if (buffer) asked.push(['buffer', buffer]);
  const top = document.getElementById('depth_top')?.value.trim();
  const bottom = document.getElementById('depth_bottom')?.value.trim();
  // A range needs both ends: one alone is still being typed.
  if (top && bottom) asked.push(['depth', `${top},${bottom}`]);
  return asked;
}

// Each change of an option asks again; only the latest question's answer is
// shown, whichever answer arrives last.
let checkSequence = 0;

async function runCheck(submission) {
  lastSubmission = submission;
  const sequence = ++checkSequence;
  const result = document.getElementById('result');
  fill(result, el('p', {}, t('checking')));
  problemSource.clear();
  const q = checkQuery();
  if (submission.format) q.set('format', submission.format);
  const started = performance.now();
  let answer;
  try {
    answer = await api(`check?${q}`, { method: 'POST', type: submission.type, body: submission.bytes });
  } catch (error) {
    // A corner list in zone-less eastings fails only for want of the zone:
    // asking again with the zone chosen for corners is what a reviewer would do.
    if (error instanceof Problem && String(error.doc.type).endsWith('/unknown-zone') && /^\d+$/.test(q.get('corners') || '') && !q.has('zone')) {
      try {
        q.set('zone', q.get('corners'));
        answer = await api(`check?${q}`, { method: 'POST', type: submission.type, body: submission.bytes });
      } catch (again) { error = again; }
    }
    if (sequence !== checkSequence) return;
    if (!answer) {
      resultSource.clear(); highlightSource.clear();
      fill(result, problemBox(error));
      window.planmapWorkspace.lastProblem = error.doc || { detail: String(error) };
      window.planmapWorkspace.lastAnswer = null;
      return;
    }
  }
  if (sequence !== checkSequence) return;
  const arrived = performance.now();
  window.planmapWorkspace.lastProblem = null;
  window.planmapWorkspace.lastAnswer = answer;
  window.planmapWorkspace.lastQuery = q.toString();
  showAnswer(answer, submission);
  const shown = performance.now();
  // Drawn: the tables are in the page and the result layer has painted the
  // overlaps (the plan's tiles at the new view may still be arriving).
  await new Promise((resolve) => { resultLayer.once('postrender', resolve); map.render(); });
  window.planmapWorkspace.lastTimings = { request_ms: arrived - started, tables_ms: shown - arrived, drawn_ms: performance.now() - arrived };
}

let conflictFeatures = [];

function showAnswer(answer, submission) {
  resultSource.clear();
  highlightSource.clear();
  conflictFeatures = [];
  // Added to the source in one batch: one index build and one change
  // event, not one a feature (thousands of overlaps, hundreds of blocks).
  const batch = [];
  const add = (geometry, props) => {
    if (!geometry) return null;
    const feature = new ol.Feature({ geometry: geojson.readGeometry(geometry), ...props });
    batch.push(feature);
    return feature;
  };
  // The 1′ blocks as two features, whole and partial: a grid of hundreds
  // of squares is drawn as one shape each way.
  const step = 1 / 60;
  for (const whole of [true, false]) {
    const squares = (answer.basic_blocks?.blocks || []).filter((b) => b.whole === whole).map(({ south_west: [w, s] }) => [[[w, s], [w + step, s], [w + step, s + step], [w, s + step], [w, s]]]);
    if (squares.length) add({ type: 'MultiPolygon', coordinates: squares }, { role: whole ? 'block_whole' : 'block_partial' });
  }
  if (answer.net?.geometry) add(answer.net.geometry, { role: 'net' });
  // Reference overlaps drawn first, the ones that refuse the block on top.
  const order = answer.conflicts.features.map((c, i) => i)
    .sort((a, b) => STACK[answer.conflicts.features[a].properties.on_overlap] - STACK[answer.conflicts.features[b].properties.on_overlap]);
  for (const i of order) {
    const p = answer.conflicts.features[i].properties;
    conflictFeatures[i] = add(answer.conflicts.features[i].geometry, {
      role: `conflict_${p.on_overlap}`, conflict_index: i, layer_id: p.layer, feature_id: p.feature_id, size: p.overlap_area_m2 ?? p.overlap_length_m ?? 0,
    });
  }
  for (const part of answer.input?.geometry?.features || []) add(part.geometry, { role: 'candidate' });
  resultSource.addFeatures(batch);
  const extent = resultSource.getExtent();
  // Animated: the answer is painted where the map is, then the map moves to it.
  if (!ol.extent.isEmpty(extent)) view.fit(extent, { padding: [40, 40, 40, 40], maxZoom: 16, duration: 300 });

  const titleOf = (id) => {
    const layer = catalog.find((l) => l.id === id);
    return layer ? (lang === 'en' && layer.title_en ? layer.title_en : layer.title) : id;
  };
  const c = answer.candidate;
  const hasParcels = Array.isArray(answer.parcels) && answer.parcels.length > 1;
  // A page of rows at a time: laying out a table of thousands of rows
  // takes the browser half a second, and no reviewer reads them on screen;
  // all of them are in the CSV. Each page is one HTML string (escaped) with
  // one listener on the table.
  const conflictBody = el('tbody', { onclick: (e) => { const tr = e.target.closest('tr'); if (tr) selectConflict(Number(tr.dataset.index), true); } });
  const pager = el('div', { class: 'pager no-print', id: 'conflict-pager' });
  conflictTable = { answer, body: conflictBody, pager, hasParcels, titleOf, page: -1 };
  showConflictPage(0);
  const blocks = answer.basic_blocks;
  const net = answer.net;
  const result = document.getElementById('result');
  fill(result,
    el('div', { class: `verdict ${answer.verdict}`, id: 'verdict', dataset: { verdict: answer.verdict } }, `${t('verdict')}：${t(`verdict_${answer.verdict}`)}`),
    el('p', { id: 'candidate-area' }, `${t('candidate_area')}：${fmt(c.area_m2)} m²（${fmt(c.area_mu)} 亩，${fmt(c.area_km2, 4)} km²），${t('vertices', c.vertices)}`,
      answer.input ? el('br') : null, answer.input ? t('read_as', submission?.fileName || answer.input.format, `${answer.input.format}, ${answer.input.encoding}`) : null),
    answer.warnings?.length ? el('div', { class: 'warnings' }, el('strong', {}, t('warnings')), el('ul', {}, ...answer.warnings.map((w) => el('li', {}, w.message || w.code)))) : null,
    el('h3', {}, `${t('conflicts')}（${answer.conflicts.features.length}）`),
    answer.conflicts.features.length
      ? el('div', { class: 'table-wrap' }, el('table', { id: 'conflicts' },
        el('thead', {}, el('tr', {}, hasParcels ? el('th', {}, t('parcel')) : null, ...['layer', 'feature', 'name', 'overlap_m2', 'overlap_mu', 'of_candidate', 'of_feature', 'on_overlap', 'note', 'rule'].map((k) => el('th', {}, t(k))))),
        conflictBody))
      : el('p', { class: 'ok' }, t('no_conflicts')),
    answer.conflicts.features.length ? el('div', { class: 'no-print' }, pager, ' ',
      el('button', { type: 'button', id: 'conflicts-csv', onclick: () => download('conflicts.csv', conflictsCsv(answer, titleOf), 'text/csv;charset=utf-8') }, t('download_csv'))) : null,
    answer.separated_in_depth?.length ? el('div', { id: 'separated' }, el('h4', {}, t('separated_in_depth')), el('ul', {}, ...answer.separated_in_depth.map((d) => el('li', { dataset: { layer: d.layer, feature: d.feature_id } },
      t('separated_line', titleOf(d.layer), d.feature_id, fmt(d.overlap_area_m2), range(d.candidate_depth), range(d.feature_depth)))))) : null,
    answer.nearest ? el('div', { id: 'nearest-features' }, el('h4', {}, t('nearest_title')), answer.nearest.length ? el('ul', {}, ...answer.nearest.map((n) => el('li', { dataset: { layer: n.layer, feature: n.feature_id, distance: n.distance_m } },
      t('nearest_line', titleOf(n.layer), n.feature_id, n.name ?? '', fmt(n.distance_m, 1))))) : el('p', { class: 'hint' }, t('nearest_none'))) : null,
    answer.adjacent?.length ? el('div', { id: 'adjacent' }, el('h4', {}, t('adjacent')), el('ul', {}, ...answer.adjacent.map((a) => el('li', {}, `${titleOf(a.layer)} ${a.feature_id} ${a.name ?? ''}`)))) : null,
    answer.findings ? el('div', { id: 'findings' }, el('h3', {}, t('findings')),
      el('table', {}, el('tbody', {}, ...answer.findings.map((f) => el('tr', { dataset: { rule: f.rule, passed: String(f.passed) } },
        el('td', { class: f.passed === false ? 'on-reject' : (f.passed ? '' : 'on-info') }, f.passed === true ? `✓ ${t('passed')}` : f.passed === false ? `✗ ${t('failed')}` : `— ${t('not_evaluated')}`),
        el('td', {}, el('code', {}, f.rule), el('br'), f.detail),
        el('td', {}, f.clause)))))) : null,
    hasParcels ? el('table', { id: 'parcels' }, el('tbody', {}, ...answer.parcels.map((p) => el('tr', {}, el('td', {}, p.id), el('td', {}, p.name ?? ''), el('td', { class: 'num' }, fmt(p.area_m2)), el('td', { class: `on-${p.verdict}` }, t(`verdict_${p.verdict}`)))))) : null,
    blocks ? el('div', { id: 'blocks' }, el('h3', {}, t('blocks')), el('p', {}, t('blocks_summary', blocks.touched, blocks.whole, blocks.partial, fmt(blocks.area_in_blocks, 4)))) : null,
    el('div', { id: 'net' }, el('h3', {}, t('net')),
      net ? el('p', {}, t('net_summary', fmt(net.area_m2), fmt(net.area_mu), pct(net.share_of_candidate))) : null,
      net && !net.geometry ? el('p', {}, t('net_none')) : null,
      net?.corner_points ? cornerBox(net.corner_points, 'net') : null),
    el('p', { class: 'hint' }, t('layers_checked', answer.layers.length), ' ', answer.layers.map((l) => `${l.id}@${l.revision}`).join(', ')),
    submission?.bytes ? el('div', { class: 'no-print' }, el('button', { type: 'button', id: 'qa-submission', onclick: (e) => runQa(submission, e.target.nextElementSibling) }, t('qa_submission')), el('div', { id: 'qa-result' })) : null,
    submitForm(submission));
}

function cornerBox(text, name) {
  // A clean part with a thousand holes is tens of thousands of lines: laid
  // out in a text box it would hold the page up; copy and download carry it.
  const lines = text.split('\n').length;
  const area = text.length <= 20000
    ? el('textarea', { rows: 6, readonly: true, class: 'corner-points' }, text)
    : el('p', { class: 'hint' }, t('corner_lines', lines));
  return el('div', {},
    area,
    el('button', { type: 'button', onclick: async (e) => { await navigator.clipboard?.writeText(text); e.target.textContent = t('copied'); } }, t('copy')), ' ',
    el('button', { type: 'button', class: 'download-corners', onclick: () => download(`${name}.txt`, text, 'text/plain;charset=utf-8') }, t('download_txt')));
}

function download(fileName, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: fileName });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const PAGE_ROWS = 100;
let conflictTable = null;

function showConflictPage(page) {
  const { answer, body, pager, hasParcels, titleOf } = conflictTable;
  const all = answer.conflicts.features;
  const pages = Math.max(1, Math.ceil(all.length / PAGE_ROWS));
  page = Math.min(Math.max(0, page), pages - 1);
  if (page === conflictTable.page) return;
  conflictTable.page = page;
  const first = page * PAGE_ROWS;
  body.innerHTML = all.slice(first, first + PAGE_ROWS).map((f, k) => {
    const i = first + k;
    const p = f.properties;
    const isLine = p.overlap_length_m !== undefined;
    const cells = [
      hasParcels ? `<td>${esc(p.parcel ?? '')}</td>` : '',
      `<td>${esc(titleOf(p.layer))}</td>`,
      `<td>${esc(p.feature_id)}</td>`,
      `<td>${esc(p.name ?? '')}</td>`,
      `<td class="num m2">${isLine ? `${fmt(p.overlap_length_m)} m` : fmt(p.overlap_area_m2)}</td>`,
      `<td class="num mu">${isLine ? '' : fmt(p.overlap_area_mu)}</td>`,
      `<td class="num">${p.share_of_candidate !== undefined ? pct(p.share_of_candidate) : ''}</td>`,
      `<td class="num">${p.share_of_feature !== undefined ? pct(p.share_of_feature) : ''}</td>`,
      `<td class="on-${esc(p.on_overlap)}">${esc(t(p.on_overlap))}</td>`,
      `<td class="note">${esc(noteOf(p))}</td>`,
      `<td class="rule">${esc(p.rule ?? '')}</td>`,
    ];
    return `<tr data-index="${i}" data-layer="${esc(p.layer)}" data-feature="${esc(p.feature_id)}">${cells.join('')}</tr>`;
  }).join('');
  fill(pager, ...(pages > 1 ? [
    el('button', { type: 'button', class: 'prev', disabled: page === 0, onclick: () => showConflictPage(page - 1) }, '◀'), ' ',
    el('span', { class: 'rows-shown' }, t('rows_shown', first + 1, Math.min(all.length, first + PAGE_ROWS), all.length)), ' ',
    el('button', { type: 'button', class: 'next', disabled: page === pages - 1, onclick: () => showConflictPage(page + 1) }, '▶'),
  ] : []));
}

/** What an overlap's figures leave unsaid: a protection buffer reached, a
 * licence outside its validity, the depth shared. */
function noteOf(p) {
  const notes = [];
  if (p.buffer) notes.push(t('note_buffer', fmt(p.buffer.buffer_m, 0), fmt(p.buffer.distance_m, 1), fmt(p.buffer.area_m2)));
  if (p.validity?.status === 'expired') notes.push(t('note_expired', p.validity.valid_to));
  if (p.validity?.status === 'not_yet_valid') notes.push(t('note_not_yet', p.validity.valid_from));
  if (p.validity?.status === 'unreadable') notes.push(t('note_unreadable'));
  if (p.depth?.shared) notes.push(t('note_depth', range(p.depth.shared)));
  return notes.join('；');
}

const range = (r) => (r ? `${r.top_m >= 0 ? '+' : ''}${r.top_m} … ${r.bottom_m >= 0 ? '+' : ''}${r.bottom_m} m` : '');

/** Every overlap as a CSV table (UTF-8 with BOM, so Excel reads the Chinese). */
function conflictsCsv(answer, titleOf) {
  // A text cell that a spreadsheet would take for a formula is written as text.
  const text = (v) => (typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v));
  const cell = (v) => (v === undefined || v === null ? '' : /[",\n\r]/.test(text(v)) ? `"${text(v).replace(/"/g, '""')}"` : text(v));
  const head = ['parcel', 'layer', 'layer_title', 'feature_id', 'name', 'overlap_area_m2', 'overlap_area_mu', 'overlap_length_m', 'share_of_candidate', 'share_of_feature', 'on_overlap', 'buffer_m', 'distance_m', 'area_in_buffer_m2', 'validity', 'note', 'rule'];
  const rows = answer.conflicts.features.map(({ properties: p }) => [p.parcel, p.layer, titleOf(p.layer), p.feature_id, p.name, p.overlap_area_m2, p.overlap_area_mu, p.overlap_length_m, p.share_of_candidate, p.share_of_feature, p.on_overlap,
    p.buffer?.buffer_m, p.buffer?.distance_m, p.buffer?.area_m2, p.validity?.status, noteOf(p), p.rule].map(cell).join(','));
  return `\uFEFF${head.join(',')}\r\n${rows.join('\r\n')}\r\n`;
}

/** One overlap, selected on the map and in its table together. */
function selectConflict(index, fromTable) {
  if (conflictTable) showConflictPage(Math.floor(index / PAGE_ROWS));
  highlightSource.clear();
  document.querySelectorAll('#conflicts tr.selected').forEach((r) => r.classList.remove('selected'));
  const row = document.querySelector(`#conflicts tr[data-index="${index}"]`);
  row?.classList.add('selected');
  if (!fromTable) row?.scrollIntoView({ block: 'nearest' });
  const feature = conflictFeatures[index];
  if (feature) {
    highlightSource.addFeature(new ol.Feature({ geometry: feature.getGeometry().clone(), conflict_index: index }));
    if (fromTable) view.fit(feature.getGeometry().getExtent(), { padding: [60, 60, 60, 60], maxZoom: 17, duration: 250 });
  }
  window.planmapWorkspace.selected = index;
}

// --------------------------------------------------- keeping it as evidence

function roleAtLeast(role) {
  return session.role && ROLES.indexOf(session.role) >= ROLES.indexOf(role);
}

function submitForm(submission) {
  if (!config.store || !submission) return null;
  const fields = el('div', {},
    el('label', {}, `${t('cand_name')} `, el('input', { id: 'cand-name', size: 18 })),
    el('label', {}, `${t('applicant')} `, el('input', { id: 'cand-applicant', size: 14 })),
    el('label', {}, `${t('notes')} `, el('input', { id: 'cand-notes', size: 24 })));
  const status = el('div', { id: 'submit-status' });
  const versionOf = el('input', { id: 'cand-version-of', type: 'number', min: 1, size: 5, placeholder: '#' });
  return el('fieldset', { id: 'submit', class: 'no-print' }, el('legend', {}, t('submit_title')),
    el('p', { class: 'hint need-planner', hidden: roleAtLeast('planner') }, t('need_sign_in', t('role_planner'))),
    fields,
    el('button', { type: 'button', id: 'submit-button', onclick: () => submitCandidate(submission, null, status) }, t('submit')), ' ',
    versionOf, el('button', { type: 'button', id: 'submit-version', onclick: () => versionOf.value && submitCandidate(submission, Number(versionOf.value), status) }, t('submit_version', '…')),
    status);
}

function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function submitCandidate(submission, existing, status) {
  const body = {
    name: document.getElementById('cand-name').value.trim() || submission.fileName || 'block',
    kind: document.getElementById('kind').value || 'exploration_block',
  };
  const mineral = document.getElementById('mineral').value.trim();
  const applicant = document.getElementById('cand-applicant').value.trim();
  const notes = document.getElementById('cand-notes').value.trim();
  if (mineral) body.mineral = mineral;
  if (applicant) body.applicant = applicant;
  if (notes) body.notes = notes;
  if (submission.geometry) body.geometry = JSON.parse(submission.geometry);
  else body.file = base64(submission.bytes);
  if (submission.format) body.format = submission.format;
  try {
    const made = await api(existing ? `candidates/${existing}` : 'candidates', { method: existing ? 'PUT' : 'POST', type: 'application/json', body: JSON.stringify(body) });
    const id = made.id ?? made.candidate ?? existing;
    const version = made.version ?? made.current?.version ?? '';
    fill(status, el('p', { class: 'ok', dataset: { candidate: id } }, t('submitted', id, version)));
    candidatesLayer?.getSource().refresh();
    loadCandidates();
  } catch (error) {
    fill(status, problemBox(error));
  }
}

async function loadCandidates() {
  const tab = document.getElementById('tab-candidates');
  if (!config.store) { fill(tab); return; }
  const status = tab.querySelector('#cand-status')?.value || '';
  const kind = tab.querySelector('#cand-kind')?.value || '';
  const filters = el('div', {},
    el('label', {}, `${t('list_filter_status')} `, el('select', { id: 'cand-status', onchange: loadCandidates },
      el('option', { value: '' }, t('all')), ...['submitted', 'pass', 'warn', 'reject'].map((s) => el('option', { value: s, selected: s === status }, t(`status_${s}`))))),
    el('label', {}, `${t('list_filter_kind')} `, el('select', { id: 'cand-kind', onchange: loadCandidates },
      el('option', { value: '' }, t('all')), ...['exploration_block', 'mining_block', 'mining_right'].map((k) => el('option', { value: k, selected: k === kind }, t(`kind_${k}`))))),
    el('button', { type: 'button', onclick: loadCandidates }, t('refresh')));
  const message = el('div', { id: 'review-status' });
  fill(tab, filters, message, el('p', {}, t('checking')));
  const q = new URLSearchParams({ limit: '200' });
  if (status) q.set('status', status);
  if (kind) q.set('kind', kind);
  let page;
  try {
    page = await api(`candidates?${q}`);
  } catch (error) {
    fill(tab, filters, problemBox(error));
    return;
  }
  const list = page.candidates || page.items || page.features || [];
  fill(tab, filters, message, list.length === 0 ? el('p', {}, t('no_candidates')) : el('table', { id: 'candidates' },
    el('thead', {}, el('tr', {}, ...['cand_id', 'cand_name', 'kind', 'cand_version', 'cand_status'].map((k) => el('th', {}, t(k))), el('th', {}))),
    el('tbody', {}, ...list.map((c) => candidateRow(c, message)))));
}

function candidateRow(c, message) {
  const current = c.current || c;
  return el('tr', { dataset: { candidate: c.id } },
    el('td', {}, c.id), el('td', {}, current.name ?? c.name ?? ''), el('td', {}, t(`kind_${current.kind ?? c.kind}`)),
    el('td', {}, current.version ?? c.version ?? ''), el('td', { class: `on-${c.status}` }, t(`status_${c.status}`)),
    el('td', {},
      el('button', { type: 'button', class: 'show', onclick: () => showCandidate(c.id) }, t('show_on_map')), ' ',
      el('button', { type: 'button', class: 'review', onclick: () => reviewCandidate(c.id, message) }, t('review')), ' ',
      el('button', { type: 'button', class: 'list-reviews', onclick: (e) => listReviews(c.id, e.target.nextElementSibling, message) }, t('reviews')),
      el('div', { class: 'reviews' })));
}

/** A candidate's reviews, old ones included, each to print or verify. */
async function listReviews(id, box, message) {
  try {
    const doc = await api(`candidates/${id}/reviews`);
    const reviews = doc.reviews || [];
    fill(box, reviews.length === 0 ? el('span', { class: 'hint' }, '—') : el('ul', {}, ...reviews.map((r) => el('li', { dataset: { review: r.id } },
      `#${r.id} ${t(`verdict_${r.verdict}`)} ${r.reviewed_at ?? r.created_at ?? ''} `,
      el('button', { type: 'button', class: 'report', onclick: () => openReport(r.id, message) }, t('report')), ' ',
      el('button', { type: 'button', class: 'verify', onclick: () => verifyReview(r.id, message) }, t('verify'))))));
  } catch (error) {
    fill(box, problemBox(error));
  }
}

async function showCandidate(id) {
  try {
    const c = await api(`candidates/${id}`);
    const geometry = c.geometry || c.current?.geometry || c.current?.candidate?.geometry;
    resultSource.clear();
    highlightSource.clear();
    if (geometry) {
      const feature = new ol.Feature({ geometry: geojson.readGeometry(geometry), role: 'candidate' });
      resultSource.addFeature(feature);
      view.fit(feature.getGeometry().getExtent(), { padding: [60, 60, 60, 60], maxZoom: 16, duration: 250 });
    }
  } catch (error) {
    fill(document.getElementById('review-status'), problemBox(error));
  }
}

async function reviewCandidate(id, message) {
  const corners = document.getElementById('corners')?.value;
  const q = new URLSearchParams({ blocks: 'true' });
  if (corners) q.set('corners', corners);
  for (const [k, v] of analysesAsked()) q.set(k, v);
  try {
    const review = await api(`candidates/${id}/reviews?${q}`, { method: 'POST' });
    const reviewId = review.id ?? review.review;
    fill(message, el('div', { class: 'ok', dataset: { review: reviewId } }, t('reviewed', reviewId, t(`verdict_${review.verdict ?? review.record?.verdict}`)), ' ',
      el('button', { type: 'button', class: 'report', onclick: () => openReport(reviewId, message) }, t('report')), ' ',
      el('button', { type: 'button', class: 'verify', onclick: () => verifyReview(reviewId, message) }, t('verify'))));
    candidatesLayer?.getSource().refresh();
  } catch (error) {
    fill(message, problemBox(error));
  }
}

async function openReport(id, message) {
  try {
    // The report needs the token; a new tab cannot send it, so the page
    // fetches the report and opens it as a document of its own.
    const html = await api(`reviews/${id}.html`, { accept: 'text/html' });
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' }));
    window.planmapWorkspace.lastReport = html;
    window.open(url, '_blank');
  } catch (error) {
    message.append(problemBox(error));
  }
}

async function verifyReview(id, message) {
  try {
    const v = await api(`reviews/${id}/verify`, { method: 'POST' });
    message.append(el('p', { class: v.hash_valid && v.identical ? 'ok verified' : 'problem verified' }, t('verify_result', id, v.hash_valid ? t('valid') : t('invalid'), v.identical ? t('identical') : t('different'))));
  } catch (error) {
    message.append(problemBox(error));
  }
}

// ------------------------------------------------------- the plan changing

async function renderChanges() {
  const tab = document.getElementById('tab-changes');
  if (!config.store) { fill(tab); return; }
  const layerSelect = el('select', { id: 'diff-layer' }, ...catalog.map((l) => el('option', { value: l.id }, lang === 'en' && l.title_en ? l.title_en : l.title)));
  const from = el('select', { id: 'diff-from' });
  const to = el('select', { id: 'diff-to' });
  const out = el('div', { id: 'diff-result' });
  const loadRevisions = async () => {
    try {
      const doc = await api(`collections/${encodeURIComponent(layerSelect.value)}/revisions`);
      const revisions = doc.revisions || [];
      const option = (r) => el('option', { value: r.revision }, `${r.revision} (${t('effective')} ${r.effective ?? ''})`);
      fill(from, ...revisions.map(option));
      fill(to, ...revisions.map(option));
      if (revisions.length > 1) from.selectedIndex = revisions.length - 2;
      to.selectedIndex = Math.max(0, revisions.length - 1);
    } catch (error) { fill(out, problemBox(error)); }
  };
  layerSelect.addEventListener('change', loadRevisions);
  fill(tab,
    el('label', {}, `${t('changes_layer')} `, layerSelect), el('br'),
    el('label', {}, `${t('rev_from')} `, from), el('label', {}, `${t('rev_to')} `, to),
    el('button', { type: 'button', id: 'diff-button', onclick: () => showDiff(layerSelect.value, from.value, to.value, out) }, t('show_diff')),
    out);
  await loadRevisions();
}

async function showDiff(layer, from, to, out) {
  try {
    const d = await api(`collections/${encodeURIComponent(layer)}/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&geometry=true`);
    resultSource.clear();
    highlightSource.clear();
    const styles = { added: RESULT_STYLES.net, removed: RESULT_STYLES.conflict_reject, changed: RESULT_STYLES.conflict_warn };
    for (const kind of ['added', 'removed', 'changed']) {
      for (const f of d[kind] || []) {
        if (!f.geometry) continue;
        const feature = new ol.Feature({ geometry: geojson.readGeometry(f.geometry) });
        feature.setStyle(styles[kind]);
        resultSource.addFeature(feature);
      }
    }
    const extent = resultSource.getExtent();
    if (!ol.extent.isEmpty(extent)) view.fit(extent, { padding: [40, 40, 40, 40], maxZoom: 16 });
    const row = (kind, f) => el('tr', {}, el('td', {}, t(kind)), el('td', {}, String(f.id)), el('td', {}, f.name ?? ''),
      el('td', { class: 'num' }, fmt(f.changed_area_m2 ?? f.measure ?? 0)));
    fill(out, el('p', { id: 'diff-summary' }, t('diff_summary', d.added.length, d.removed.length, d.changed.length, d.unchanged, fmt(d.changed_area_m2), fmt(d.changed_area_mu))),
      el('table', {}, el('tbody', {}, ...d.added.map((f) => row('added', f)), ...d.removed.map((f) => row('removed', f)), ...d.changed.map((f) => row('changed', f)))));
  } catch (error) {
    fill(out, problemBox(error));
  }
}

// ---------------------------------------------------------- the page itself

async function refreshSession() {
  const who = document.getElementById('who');
  try {
    const s = await api('session');
    session.name = s.name;
    session.role = s.role;
  } catch (error) {
    // A token the server no longer takes (expired, revoked): say so, forget it.
    session.token = null;
    session.name = null;
    session.role = null;
    sessionStorage.removeItem('planmap-token');
    fill(who, problemBox(error));
    return;
  }
  who.textContent = session.role ? t('signed_in_as', session.name, t(`role_${session.role}`)) : t('not_signed_in');
  who.dataset.role = session.role || '';
  document.getElementById('sign-in').hidden = Boolean(session.role) || !config.store;
  document.getElementById('sign-out').hidden = !session.role;
  for (const hint of document.querySelectorAll('.need-planner')) hint.hidden = Boolean(roleAtLeast('planner'));
}

function labelPage() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  document.getElementById('title').textContent = t('title');
  document.getElementById('lang').textContent = t('lang_switch');
  document.getElementById('sign-in-button').textContent = t('sign_in');
  document.getElementById('sign-out').textContent = t('sign_out');
  document.getElementById('print').textContent = t('print');
  document.getElementById('token').placeholder = t('token_placeholder');
  for (const b of document.querySelectorAll('#tabs button')) b.textContent = t(`tab_${b.dataset.tab}`);
}

function wirePage() {
  for (const b of document.querySelectorAll('#tabs button')) {
    b.addEventListener('click', () => {
      document.querySelectorAll('#tabs button, .tab').forEach((n) => n.classList.remove('active'));
      b.classList.add('active');
      document.getElementById(`tab-${b.dataset.tab}`).classList.add('active');
      if (b.dataset.tab === 'candidates') loadCandidates();
      if (b.dataset.tab === 'changes') renderChanges();
    });
  }
  document.getElementById('sign-in').addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = document.getElementById('token').value.trim();
    if (!value) return;
    session.token = value;
    sessionStorage.setItem('planmap-token', value);
    document.getElementById('token').value = '';
    await refreshSession();
  });
  document.getElementById('sign-out').addEventListener('click', async () => {
    session.token = null;
    sessionStorage.removeItem('planmap-token');
    await refreshSession();
  });
  document.getElementById('print').addEventListener('click', () => window.print());
  document.getElementById('lang').addEventListener('click', (e) => {
    e.preventDefault();
    const url = new URL(location.href);
    url.searchParams.set('lang', lang === 'zh' ? 'en' : 'zh');
    location.href = url.href;
  });
}

async function start() {
  labelPage();
  wirePage();
  renderCheckForm();
  // The session and the plan are asked for at once: the map need not wait
  // for who is signed in.
  const plan = loadPlan().then(() => {
    loadCandidatesLayer();
    renderLayerList();
  }).catch((error) => fill(document.getElementById('tab-layers'), problemBox(error)));
  await Promise.all([refreshSession(), plan]);
  map.once('rendercomplete', () => {
    window.planmapWorkspace.ready = true;
    window.planmapWorkspace.firstRenderMs = performance.now();
  });
  window.planmapWorkspace.tiles = () => ({ loaded: tilesLoaded, errors: tileErrors });
}

start();
