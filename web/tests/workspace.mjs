// Drives the web workspace (/map) in Debian's Chromium through
// playwright-core, with no network but planmap's loopback address, as a
// reviewer would use it. What the page shows is compared with what planmap's
// own JSON API answers for the same input, fetched here independently.
// Run by tests/the_web_workspace_works_in_a_browser.rs.
//
// usage: node web/tests/workspace.mjs PLANMAP_BASE TOKENS.json FIXTURES_DIR ARTIFACTS_DIR
//   TOKENS  {"viewer": "...", "planner": "...", "reviewer": "..."}
// Prints `ok: …` and `measured: …` lines; exits non-zero on the first failure.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, tokensPath, fixtures, artifacts] = process.argv.slice(2);
const tokens = JSON.parse(readFileSync(tokensPath, 'utf8'));
const measured = {};

function fail(message) {
  console.log(`FAIL: ${message}`);
  process.exit(1);
}
function ok(message) { console.log(`ok: ${message}`); }

/** planmap's own answer for the same bytes, as a script would ask. */
async function check(query, bytes, type) {
  const r = await fetch(`${base}/check?${query}`, { method: 'POST', body: bytes, headers: { 'content-type': type } });
  return { status: r.status, body: await r.json() };
}

const fmt2 = (x) => Number(x).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const refused = [];
const errors = [];
const failedResponses = [];
// Refusals the test provokes on purpose (a bad file, no token, a viewer
// submitting): Chromium logs each failed fetch as a console error.
const expectedStatuses = new Set();
let transfer = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${base}/`) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    refused.push(url);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const status = /status of (\d{3})/.exec(m.text());
    if (status && expectedStatuses.has(Number(status[1]))) return;
    errors.push(`console: ${m.text()}`);
  });
  page.on('response', async (r) => {
    if (r.status() >= 400) failedResponses.push(`${r.status()} ${r.url()}`);
  });
  const tileResponses = [];
  page.on('requestfinished', async (request) => {
    const response = await request.response();
    const sizes = await request.sizes().catch(() => null);
    if (sizes) transfer += sizes.responseBodySize + sizes.responseHeadersSize;
    if (request.url().includes('/tiles/WebMercatorQuad/')) tileResponses.push(response?.status());
  });

  // --- the map loads with every layer in its list, from planmap's tiles
  const started = Date.now();
  await page.goto(`${base}/map`);
  await page.waitForFunction(() => window.planmapWorkspace?.ready === true, null, { timeout: 20000 });
  measured.first_render_ms = Date.now() - started;
  await page.waitForLoadState('networkidle');
  measured.first_load_transfer_bytes = transfer;
  const layers = await (await fetch(`${base}/layers`)).json();
  const listed = await page.$$eval('#layer-list .layer-row', (rows) => rows.map((r) => r.dataset.layer));
  for (const l of layers) if (!listed.includes(l.id)) fail(`layer ${l.id} is not in the layer list (${listed})`);
  if (!listed.includes('candidates')) fail('the candidates layer is not in the list');
  ok(`the layer list holds all ${layers.length} layers and the candidates`);
  const tiles = await page.evaluate(() => window.planmapWorkspace.tiles());
  if (tiles.loaded === 0 || tiles.errors > 0) fail(`tiles: ${JSON.stringify(tiles)}`);
  if (tileResponses.length === 0 || tileResponses.some((s) => s !== 200 && s !== 204)) fail(`tile answers: ${tileResponses}`);
  ok(`${tileResponses.length} tiles requested, all answered 200 (${tiles.loaded} loaded, no error)`);
  if (measured.first_render_ms > 2000) fail(`first render took ${measured.first_render_ms} ms (over 2 s)`);
  await page.screenshot({ path: join(artifacts, 'workspace-plan.png') });

  // --- a layer's totals (查询统计), as /stats gives them
  await page.click('#layer-list .layer-row[data-layer="subsidence_areas"] button.stats');
  await page.waitForSelector('#layer-list .layer-row[data-layer="subsidence_areas"] .layer-stats[data-count]', { timeout: 10000 });
  const statsShown = await page.textContent('#layer-list .layer-row[data-layer="subsidence_areas"] .layer-stats .stats-total');
  const statsTotal = (await (await fetch(`${base}/collections/subsidence_areas/stats`)).json()).total;
  if (!statsShown.includes(String(statsTotal.count)) || !statsShown.includes(fmt2(statsTotal.area_m2))) fail(`the layer's totals read ${statsShown}, /stats gives ${JSON.stringify(statsTotal)}`);
  ok(`the subsidence areas' totals are /stats's: ${statsShown}`);

  // --- grouped statistics, and one layer inside another, as /stats gives them
  const sub = '#layer-list .layer-row[data-layer="subsidence_areas"]';
  await page.click(`${sub} .stats-form summary`);
  await page.selectOption(`${sub} select.group-by`, ['remediated']);
  await page.click(`${sub} button.group`);
  await page.waitForSelector(`${sub} table.groups`, { timeout: 10000 });
  const grouped = (await (await fetch(`${base}/collections/subsidence_areas/stats?group_by=remediated`)).json());
  const groupRows = await page.$$eval(`${sub} table.groups tbody tr`, (trs) => trs.map((tr) => tr.querySelector('.m2').textContent));
  if (JSON.stringify(groupRows) !== JSON.stringify(grouped.groups.map((g) => fmt2(g.area_m2)))) fail(`grouped rows ${groupRows} are not /stats's ${JSON.stringify(grouped.groups)}`);
  ok(`subsidence areas grouped by remediated: ${groupRows.length} groups, areas as /stats gives them`);
  const farm = '#layer-list .layer-row[data-layer="basic_farmland"]';
  await page.click(`${farm} button.stats`);
  await page.waitForSelector(`${farm} .layer-stats[data-count]`, { timeout: 10000 });
  await page.click(`${farm} .stats-form summary`);
  await page.selectOption(`${farm} select.inside`, 'subsidence_areas');
  await page.waitForSelector(`${farm} select.group-by option[value="subsidence_areas.remediated"]`, { state: 'attached', timeout: 10000 });
  await page.selectOption(`${farm} select.group-by`, ['subsidence_areas.remediated']);
  await page.click(`${farm} button.group`);
  await page.waitForSelector(`${farm} table.groups`, { timeout: 30000 });
  const overlay = (await (await fetch(`${base}/collections/basic_farmland/stats?inside=subsidence_areas&group_by=subsidence_areas.remediated`)).json());
  const overlayRows = await page.$$eval(`${farm} table.groups tbody tr`, (trs) => trs.map((tr) => tr.querySelector('.m2').textContent));
  if (overlay.groups.length === 0 || JSON.stringify(overlayRows) !== JSON.stringify(overlay.groups.map((g) => fmt2(g.area_m2)))) fail(`farmland inside subsidence areas reads ${overlayRows}, /stats gives ${JSON.stringify(overlay.groups)}`);
  const csvHref = await page.$eval(`${farm} .layer-stats a[download]`, (a) => a.href);
  const csvText = await (await fetch(csvHref)).text();
  const csvLines = csvText.trim().split(/\r?\n/);
  if (csvLines.length !== overlay.groups.length + 1 || !csvLines[0].includes('subsidence_areas.remediated')) fail(`the statistics CSV (${csvLines.length} lines) is not a header and ${overlay.groups.length} groups: ${csvText.slice(0, 200)}`);
  ok(`farmland inside subsidence areas by remediation: ${overlayRows.join(', ')} m², as /stats gives them, with its CSV`);

  // --- whole-plan QA of the plan's exploration blocks, and its printable page
  const blocksRow = '#layer-list .layer-row[data-layer="exploration_blocks"]';
  await page.click(`${blocksRow} button.stats`);
  await page.waitForSelector(`${blocksRow} button.qa`, { timeout: 10000 });
  await page.click(`${blocksRow} button.qa`);
  await page.waitForSelector(`${blocksRow} .qa-summary`, { timeout: 30000 });
  const qaShown = await page.$eval(`${blocksRow} .qa-summary`, (p) => ({ blocks: Number(p.dataset.blocks), withProblems: Number(p.dataset.withProblems) }));
  const qa = await (await fetch(`${base}/qa`, { method: 'POST', body: JSON.stringify({ layer: 'exploration_blocks' }), headers: { 'content-type': 'application/json' } })).json();
  if (qaShown.blocks !== qa.summary.blocks || qaShown.withProblems !== qa.summary.with_problems) fail(`QA shows ${JSON.stringify(qaShown)}, /qa ${JSON.stringify(qa.summary)}`);
  const [qaPage] = await Promise.all([context.waitForEvent('page'), page.click(`${blocksRow} button.qa-print`)]);
  await qaPage.waitForLoadState();
  const qaText = await qaPage.textContent('body');
  for (const b of qa.blocks) if (!qaText.includes(b.id)) fail(`the printable QA page lacks block ${b.id}`);
  await qaPage.close();
  ok(`QA of the ${qa.summary.blocks} exploration blocks shows /qa's summary (${qa.summary.with_problems} with problems); its printable page names each`);

  // --- a click on a feature shows its attributes and planmap's area of it
  const redline = await (await fetch(`${base}/collections/ecological_redline/items?limit=1`)).json();
  const feature = redline.features[0];
  await page.evaluate(async (bbox) => {
    const { map } = window.planmapWorkspace;
    map.getView().fit(ol.proj.transformExtent(bbox, 'EPSG:4326', 'EPSG:3857'), { padding: [80, 80, 80, 80] });
    await new Promise((resolve) => map.once('rendercomplete', resolve));
  }, feature.bbox ?? bboxOf(feature.geometry));
  // The map's own hit test: which red-line feature is drawn at a pixel.
  const drawnAt = (px, id) => page.evaluate(([px, id]) => {
    const { map } = window.planmapWorkspace;
    map.renderSync();
    return map.getFeaturesAtPixel(px, { layerFilter: (l) => l.get('planmapLayer') === 'plan' })
      .some((f) => f.get('layer') === 'ecological_redline' && String(f.get('id')) === String(id));
  }, [px, id]);
  const pixel = await page.evaluate((id) => {
    const { map } = window.planmapWorkspace;
    const size = map.getSize();
    for (let y = 10; y < size[1]; y += 12) {
      for (let x = 10; x < size[0]; x += 12) {
        const hits = map.getFeaturesAtPixel([x, y], { layerFilter: (l) => l.get('planmapLayer') === 'plan' });
        if (hits.some((f) => f.get('layer') === 'ecological_redline' && String(f.get('id')) === String(id))) return [x, y];
      }
    }
    return null;
  }, feature.id);
  if (!pixel) fail(`the map's own hit test finds red line ${feature.id} nowhere`);

  // --- a layer toggles: gone from the map's hit test, then back
  await page.click('#layer-list .layer-row[data-layer="ecological_redline"] input[type=checkbox]');
  if (await drawnAt(pixel, feature.id)) fail('unticking the red line left it drawn');
  await page.click('#layer-list .layer-row[data-layer="ecological_redline"] input[type=checkbox]');
  if (!(await drawnAt(pixel, feature.id))) fail('ticking the red line did not draw it again');
  ok('the red-line layer toggles off and on, as the map\'s own hit test sees it');

  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + pixel[0], box.y + pixel[1]);
  await page.waitForSelector('#popup:not([hidden]) .area:not(:empty)', { timeout: 10000 });
  const popupText = await page.textContent('#popup');
  if (!popupText.includes(String(feature.properties.name))) fail(`the popup does not name ${feature.properties.name}: ${popupText}`);
  const own = await check('layers=ecological_redline&geometry=false', JSON.stringify(feature.geometry), 'application/geo+json');
  if (!popupText.includes(fmt2(own.body.candidate.area_m2))) fail(`the popup's area is not /check's ${fmt2(own.body.candidate.area_m2)}: ${popupText}`);
  ok(`a click on ${feature.properties.name} shows its attributes and ${fmt2(own.body.candidate.area_m2)} m²`);
  await page.click('#popup button');

  // --- a GBK TXT exchange file dropped on the page
  await page.click('#tabs button[data-tab="check"]');
  const txt = readFileSync(join(fixtures, 'licence_gbk.txt'));
  await dropFile(page, '#drop', 'licence_gbk.txt', txt, 'text/plain');
  await page.waitForSelector('#verdict', { timeout: 15000 });
  const query = await page.evaluate(() => window.planmapWorkspace.lastQuery);
  const txtAnswer = await check(query, txt, 'text/plain');
  await compareWithAnswer(page, txtAnswer.body, 'the dropped GBK TXT file');
  if (txtAnswer.body.input.encoding !== 'GB18030') fail(`planmap read the TXT file as ${txtAnswer.body.input.encoding}`);
  const readAs = await page.textContent('#candidate-area');
  if (!readAs.includes('GB18030')) fail(`the page does not say the file was read as GB18030: ${readAs}`);
  // The overlap is on the map: the map's own query at a point inside it.
  const hit = await page.evaluate(() => {
    const ws = window.planmapWorkspace;
    const layer = ws.map.getLayers().getArray().find((l) => l.get('planmapResult'));
    const conflict = layer.getSource().getFeatures().find((f) => f.get('conflict_index') === 0);
    const g = conflict.getGeometry();
    const inside = g.getType() === 'Polygon' ? g.getInteriorPoint().getCoordinates() : g.getInteriorPoints().getFirstCoordinate();
    ws.map.getView().fit(g.getExtent(), { padding: [120, 120, 120, 120] });
    ws.map.renderSync();
    const px = ws.map.getPixelFromCoordinate(inside);
    const found = ws.map.getFeaturesAtPixel(px, { layerFilter: (l) => l === layer }).map((f) => f.get('conflict_index'));
    return { px, found };
  });
  if (!hit.found.includes(0)) fail(`the map's rendered-feature query finds no overlap inside the first one: ${JSON.stringify(hit)}`);
  await page.mouse.click(box.x + hit.px[0], box.y + hit.px[1]);
  await page.waitForSelector('#conflicts tr.selected', { timeout: 5000 });
  const selected = await page.$eval('#conflicts tr.selected', (tr) => Number(tr.dataset.index));
  if (!hit.found.includes(selected)) fail(`clicking overlaps ${hit.found} selected row ${selected}`);
  const highlighted = await page.evaluate(() => window.planmapWorkspace.selected);
  if (highlighted !== selected) fail(`row ${selected} is selected but overlap ${highlighted} highlighted`);
  ok(`the first overlap is on the map; clicking there selects overlap ${selected}, its row and its outline together`);
  await page.screenshot({ path: join(artifacts, 'workspace-check.png') });
  // The clean part's corner points download as a TXT file.
  const net = txtAnswer.body.net;
  if (net?.corner_points) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#net .download-corners')]);
    const path = await download.path();
    if (readFileSync(path, 'utf8') !== net.corner_points) fail('the downloaded corner points are not /check\'s');
    ok('the clean part\'s corner points download as /check gives them');
  }

  // --- a GeoJSON file picked
  const gj = readFileSync(join(fixtures, '..', '..', '..', 'layers', 'examples', 'crosses_ecological_redline.geojson'));
  await page.setInputFiles('#file', { name: 'crosses_ecological_redline.geojson', mimeType: 'application/geo+json', buffer: gj });
  await page.waitForFunction(() => window.planmapWorkspace.lastAnswer?.input?.format === 'geojson', null, { timeout: 15000 });
  const gjAnswer = await check(await page.evaluate(() => window.planmapWorkspace.lastQuery), gj, 'application/geo+json');
  await compareWithAnswer(page, gjAnswer.body, 'the picked GeoJSON file');

  // --- the rules for a kind, with the clause
  await page.selectOption('#kind', 'mining_right');
  await page.waitForSelector('#findings tr', { timeout: 15000 });
  const kindAnswer = await check(await page.evaluate(() => window.planmapWorkspace.lastQuery), gj, 'application/geo+json');
  const findings = await page.$$eval('#findings tr', (rows) => rows.map((r) => [r.dataset.rule, r.dataset.passed]));
  const expected = kindAnswer.body.findings.map((f) => [f.rule, String(f.passed)]);
  if (JSON.stringify(findings) !== JSON.stringify(expected)) fail(`findings ${JSON.stringify(findings)} are not /check's ${JSON.stringify(expected)}`);
  ok(`the ${expected.length} findings for a mining right are /check's`);
  await page.selectOption('#kind', '');
  await page.waitForFunction(() => !window.planmapWorkspace.lastAnswer?.findings, null, { timeout: 15000 });

  // --- a polygon drawn on the map
  await page.click('#draw');
  const drawAt = await page.evaluate(() => {
    const { map } = window.planmapWorkspace;
    map.getView().setCenter(ol.proj.fromLonLat([112.78, 36.32]));
    map.getView().setZoom(13);
    map.renderSync();
    const size = map.getSize();
    const [cx, cy] = [size[0] / 2, size[1] / 2];
    return [[cx - 120, cy - 90], [cx + 130, cy - 80], [cx + 110, cy + 100], [cx - 100, cy + 90]];
  });
  for (const [x, y] of drawAt) { await page.mouse.click(box.x + x, box.y + y); await page.waitForTimeout(120); }
  await page.mouse.dblclick(box.x + drawAt[0][0] + 2, box.y + drawAt[0][1] + 2);
  await page.waitForFunction(() => window.planmapWorkspace.lastAnswer?.input?.format === 'geojson' && document.querySelector('#paste').value.includes('Polygon'), null, { timeout: 15000 });
  const drawn = await page.inputValue('#paste');
  const drawnAnswer = await check(await page.evaluate(() => window.planmapWorkspace.lastQuery), drawn, 'application/geo+json');
  await compareWithAnswer(page, drawnAnswer.body, 'the drawn polygon');

  // --- the analyses on the form: nearest features, a protection buffer, a
  // depth range; asked by changing the options, as a reviewer would
  const nearFissure = JSON.stringify({ type: 'Polygon', coordinates: [[[112.874, 36.249], [112.881, 36.249], [112.881, 36.255], [112.874, 36.255], [112.874, 36.249]]] });
  await page.fill('#paste', nearFissure);
  await page.click('#check-pasted');
  await page.check('#nearest');
  await page.fill('#buffer', 'ground_fissures:2000');
  await page.fill('#depth_top', '100');
  await page.fill('#depth_bottom', '-100');
  await page.press('#depth_bottom', 'Tab');
  await page.waitForFunction(() => {
    const q = new URLSearchParams(window.planmapWorkspace.lastQuery || '');
    return q.get('nearest') === 'true' && q.get('buffer') === 'ground_fissures:2000' && q.get('depth') === '100,-100';
  }, null, { timeout: 15000 });
  const analysed = await check(await page.evaluate(() => window.planmapWorkspace.lastQuery), nearFissure, 'application/geo+json');
  await compareWithAnswer(page, analysed.body, 'the block near a fissure');
  const nearestShown = await page.$$eval('#nearest-features li', (lis) => lis.map((li) => [li.dataset.layer, li.dataset.feature, Number(li.dataset.distance)]));
  const nearestWanted = analysed.body.nearest.map((n) => [n.layer, String(n.feature_id), n.distance_m]);
  if (nearestWanted.length === 0 || JSON.stringify(nearestShown) !== JSON.stringify(nearestWanted)) fail(`nearest shown ${JSON.stringify(nearestShown)}, /check ${JSON.stringify(nearestWanted)}`);
  const fmt1 = (x) => Number(x).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const buffered = analysed.body.conflicts.features.filter((f) => f.properties.buffer);
  if (buffered.length === 0) fail('no conflict within the 2,000 m buffer of the fissures: the step tests nothing');
  for (const f of buffered) {
    const note = await page.$eval(`#conflicts tr[data-layer="${f.properties.layer}"][data-feature="${f.properties.feature_id}"] .note`, (td) => td.textContent);
    if (!note.includes(fmt1(f.properties.buffer.distance_m)) || !note.includes('2,000')) fail(`the note of ${f.properties.feature_id} reads "${note}", /check says ${JSON.stringify(f.properties.buffer)}`);
  }
  ok(`${nearestWanted.length} nearest features and ${buffered.length} features within the buffer, with their distances, as /check gives them`);
  // Back to a plain check for what follows.
  await page.uncheck('#nearest');
  await page.fill('#buffer', '');
  await page.fill('#depth_top', '');
  await page.fill('#depth_bottom', '');
  await page.press('#depth_bottom', 'Tab');
  await page.waitForFunction(() => !new URLSearchParams(window.planmapWorkspace.lastQuery || '').has('nearest') && !new URLSearchParams(window.planmapWorkspace.lastQuery || '').has('depth'), null, { timeout: 15000 });

  // --- a block over more than 1,000 features: drawn within 200 ms of arriving
  const farmland = layers.find((l) => l.id === 'basic_farmland');
  const [w, s, e, n] = farmland.bbox;
  const big = JSON.stringify({ type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] });
  await page.fill('#paste', big);
  await page.click('#check-pasted');
  await page.waitForFunction(() => window.planmapWorkspace.lastTimings && window.planmapWorkspace.lastAnswer?.conflicts.features.length > 1000, null, { timeout: 30000 });
  const timings = await page.evaluate(() => ({ ...window.planmapWorkspace.lastTimings, conflicts: window.planmapWorkspace.lastAnswer.conflicts.features.length }));
  measured.large_answer = timings;
  if (timings.drawn_ms > 200) fail(`an answer of ${timings.conflicts} overlaps took ${timings.drawn_ms.toFixed(0)} ms to draw (over 200 ms): ${JSON.stringify(timings)}`);
  ok(`${timings.conflicts} overlaps drawn ${timings.drawn_ms.toFixed(0)} ms after the answer arrived`);
  const bigAnswer = await check(await page.evaluate(() => window.planmapWorkspace.lastQuery), big, 'application/geo+json');
  const pageRows = await page.$$eval('#conflicts tbody tr', (trs) => trs.map((tr) => [tr.dataset.layer, tr.dataset.feature, tr.querySelector('.m2').textContent]));
  const firstRows = bigAnswer.body.conflicts.features.slice(0, pageRows.length).map((f) => [f.properties.layer, String(f.properties.feature_id), fmt2(f.properties.overlap_area_m2)]);
  if (pageRows.length === 0 || JSON.stringify(pageRows) !== JSON.stringify(firstRows)) fail('the first page of overlaps is not /check\'s first overlaps');
  if (!(await page.textContent('#conflict-pager')).includes(String(bigAnswer.body.conflicts.features.length))) fail('the pager does not give the number of overlaps');
  await page.click('#conflict-pager .next');
  const second = await page.$eval('#conflicts tbody tr', (tr) => Number(tr.dataset.index));
  if (second !== pageRows.length) fail(`the next page starts at overlap ${second}`);
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#conflicts-csv')]);
  const csv = readFileSync(await csvDownload.path(), 'utf8').trim().split('\r\n');
  if (csv.length !== bigAnswer.body.conflicts.features.length + 1) fail(`the CSV has ${csv.length - 1} overlaps, /check ${bigAnswer.body.conflicts.features.length}`);
  ok(`the table pages through all ${bigAnswer.body.conflicts.features.length} overlaps, ${pageRows.length} a page, as /check orders them; the CSV holds every one`);

  // --- a bad file shows its problem, where it is
  expectedStatuses.add(422);
  const bad = readFileSync(join(fixtures, 'swapped_gbk.txt'));
  await dropFile(page, '#drop', 'swapped_gbk.txt', bad, 'text/plain');
  await page.waitForSelector('#result .problem', { timeout: 15000 });
  const badAnswer = await check(await page.evaluate(() => window.planmapWorkspace.lastQuery || 'echo=true'), bad, 'text/plain');
  const shownProblem = await page.$eval('#result .problem', (p) => ({ slug: p.dataset.problem, status: p.dataset.status, text: p.textContent }));
  if (shownProblem.slug !== String(badAnswer.body.type).split('/').pop() || Number(shownProblem.status) !== badAnswer.status) fail(`the page shows ${JSON.stringify(shownProblem)}, /check answers ${badAnswer.status} ${badAnswer.body.type}`);
  if (badAnswer.body.line !== undefined && !shownProblem.text.includes(String(badAnswer.body.line))) fail(`the problem does not point at line ${badAnswer.body.line}: ${shownProblem.text}`);
  ok(`the swapped file shows ${badAnswer.status} ${shownProblem.slug} at line ${badAnswer.body.line}`);

  // --- keeping it as evidence: sign-in, submit, review, report, each role
  expectedStatuses.add(401);
  expectedStatuses.add(403);
  await dropFile(page, '#drop', 'licence_gbk.txt', txt, 'text/plain');
  await page.waitForSelector('#verdict', { timeout: 15000 });
  await page.fill('#cand-name', '余吾煤矿拟出让采矿权');
  await page.click('#submit-button');
  await expectProblem(page, '#submit-status', 401, 'submitting without a token');
  await signIn(page, tokens.viewer, 'viewer');
  await page.click('#submit-button');
  await expectProblem(page, '#submit-status', 403, 'submitting as a viewer');
  await signIn(page, tokens.planner, 'planner');
  await page.click('#submit-button');
  await page.waitForSelector('#submit-status .ok', { timeout: 10000 });
  const candidateId = await page.$eval('#submit-status .ok', (n) => n.dataset.candidate);
  const stored = await (await fetch(`${base}/candidates/${candidateId}`)).json();
  if (stored.current.name !== '余吾煤矿拟出让采矿权' || stored.current.source?.format === 'geojson') fail(`the stored candidate: ${JSON.stringify(stored).slice(0, 300)}`);
  ok(`a planner submitted the dropped file as candidate ${candidateId}`);
  // A new version of it, as a planner edits a block.
  await page.fill('#cand-version-of', candidateId);
  await page.click('#submit-version');
  await page.waitForFunction(() => document.querySelector('#submit-status .ok')?.textContent.includes('2'), null, { timeout: 10000 });
  const versions = await (await fetch(`${base}/candidates/${candidateId}/versions`)).json();
  if (versions.versions.length !== 2) fail(`candidate ${candidateId} has ${versions.versions.length} versions after an edit`);
  ok('the planner\'s edit is version 2');

  await page.click('#tabs button[data-tab="candidates"]');
  const row = `#candidates tr[data-candidate="${candidateId}"]`;
  await page.waitForSelector(row, { timeout: 10000 });
  await page.click(`${row} button.review`);
  await expectProblem(page, '#review-status', 403, 'reviewing as a planner');
  await signIn(page, tokens.reviewer, 'reviewer');
  await page.click('#tabs button[data-tab="candidates"]');
  await page.waitForSelector(row, { timeout: 10000 });
  await page.click(`${row} button.review`);
  await page.waitForSelector('#review-status .ok', { timeout: 15000 });
  const reviewId = await page.$eval('#review-status .ok', (n) => n.dataset.review);
  const record = await (await fetch(`${base}/reviews/${reviewId}`)).json();
  const reviewText = await page.textContent('#review-status');
  if (!reviewText.includes(String(reviewId))) fail(`the review message: ${reviewText}`);
  ok(`a reviewer recorded review ${reviewId} (${record.verdict})`);
  const [report] = await Promise.all([context.waitForEvent('page'), page.click('#review-status button.report')]);
  await report.waitForLoadState();
  const reportText = await report.textContent('body');
  if (!reportText.includes(record.hash)) fail('the printable report does not carry the review\'s hash');
  await report.screenshot({ path: join(artifacts, 'workspace-report.png') });
  await report.close();
  ok('the printable report opens with the review\'s hash');
  await page.click('#review-status button.verify');
  await page.waitForSelector('#review-status .verified', { timeout: 15000 });
  if (!(await page.$('#review-status .ok.verified'))) fail(`verify: ${await page.textContent('#review-status')}`);
  ok('verifying the review says hash valid and answer identical');
  // Anyone may verify an old review: signed out, from the candidate's list.
  await page.click('#sign-out');
  await page.waitForFunction(() => document.querySelector('#who')?.dataset.role === '', null, { timeout: 10000 });
  await page.click('#tabs button[data-tab="candidates"]');
  await page.waitForSelector(row, { timeout: 10000 });
  await page.click(`${row} button.list-reviews`);
  await page.waitForSelector(`${row} .reviews li[data-review="${reviewId}"]`, { timeout: 10000 });
  await page.evaluate(() => document.querySelectorAll('#review-status .verified').forEach((n) => n.remove()));
  await page.click(`${row} .reviews li[data-review="${reviewId}"] button.verify`);
  await page.waitForSelector('#review-status .ok.verified', { timeout: 15000 });
  ok(`signed out, review ${reviewId} is listed under its candidate and verifies`);

  // --- the candidates list opens a candidate on the map
  await page.click(`${row} button.show`);
  await page.waitForFunction(() => window.planmapWorkspace.map.getLayers().getArray().find((l) => l.get('planmapResult')).getSource().getFeatures().some((f) => f.get('role') === 'candidate'), null, { timeout: 10000 });
  ok(`candidate ${candidateId} opens on the map from the list`);

  // --- the plan changing: an adjustment published, then compared on the map
  const redlineFile = JSON.parse(readFileSync(join(fixtures, '..', '..', '..', 'layers', 'ecological_redline.geojson'), 'utf8'));
  const removedFeature = redlineFile.features.shift();
  redlineFile.features[0].properties.name = `${redlineFile.features[0].properties.name}（调整）`;
  const published = await fetch(`${base}/admin/layers/ecological_redline`, { method: 'POST', body: JSON.stringify(redlineFile), headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/geo+json' } });
  if (published.status !== 201) fail(`publishing the adjusted red line: ${published.status} ${await published.text()}`);
  const revisions = (await (await fetch(`${base}/collections/ecological_redline/revisions`)).json()).revisions;
  await page.click('#tabs button[data-tab="changes"]');
  await page.waitForSelector('#diff-layer');
  await page.selectOption('#diff-layer', 'ecological_redline');
  await page.waitForFunction((n) => document.querySelectorAll('#diff-to option').length === n, revisions.length, { timeout: 10000 });
  await page.selectOption('#diff-from', revisions[0].revision);
  await page.selectOption('#diff-to', revisions[revisions.length - 1].revision);
  await page.click('#diff-button');
  await page.waitForSelector('#diff-summary, #diff-result .problem', { timeout: 10000 });
  if (!(await page.$('#diff-summary'))) fail(`diff: ${await page.textContent('#diff-result')}`);
  const diff = await (await fetch(`${base}/collections/ecological_redline/diff?from=${revisions[0].revision}&to=${revisions[revisions.length - 1].revision}`)).json();
  const summary = await page.textContent('#diff-summary');
  if (diff.removed.length !== 1 || String(diff.removed[0].id) !== String(removedFeature.id) || diff.changed.length !== 1) fail(`the diff API: ${JSON.stringify(diff).slice(0, 300)}`);
  if (!summary.includes(fmt2(diff.changed_area_m2))) fail(`the page's diff ${summary} does not give /diff's ${fmt2(diff.changed_area_m2)} m²`);
  const drawnChanges = await page.evaluate(() => window.planmapWorkspace.map.getLayers().getArray().find((l) => l.get('planmapResult')).getSource().getFeatures().length);
  if (drawnChanges !== diff.added.length + diff.removed.length + diff.changed.length) fail(`${drawnChanges} changes drawn for ${JSON.stringify(diff).slice(0, 200)}`);
  ok(`the plan-change tab draws the adjustment: 1 removed, 1 changed, ${fmt2(diff.changed_area_m2)} m² changed, as /diff says`);

  // --- printable: the answer and the map, without the controls
  await page.click('#tabs button[data-tab="check"]');
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => ({
    verdict: getComputedStyle(document.querySelector('#verdict')).display !== 'none',
    tabs: getComputedStyle(document.querySelector('#tabs')).display,
    drop: getComputedStyle(document.querySelector('#drop')).display,
  }));
  if (!printed.verdict || printed.tabs !== 'none' || printed.drop !== 'none') fail(`printing: ${JSON.stringify(printed)}`);
  await page.pdf({ path: join(artifacts, 'workspace-print.pdf') });
  await page.emulateMedia({ media: 'screen' });
  ok('printed, the page keeps the verdict and the map and drops the controls');

  // --- English available
  const english = await context.newPage();
  english.on('pageerror', (e) => errors.push(`pageerror (en): ${e}`));
  await english.goto(`${base}/map?lang=en`);
  await english.waitForFunction(() => window.planmapWorkspace?.ready === true, null, { timeout: 20000 });
  const title = await english.textContent('#title');
  const tab = await english.textContent('#tabs button[data-tab="check"]');
  if (!title.includes('review') || tab !== 'Check') fail(`the English page reads ${title} / ${tab}`);
  const englishLayer = layers.find((l) => l.title_en);
  if (englishLayer && !(await english.textContent('#layer-list')).includes(englishLayer.title_en)) fail('the English layer list does not use title_en');
  await english.close();
  ok('the page is in English with lang=en, layer titles included');

  if (refused.length) fail(`the page asked for addresses other than planmap: ${refused.join(', ')}`);
  if (errors.length) fail(`errors in the page: ${errors.join(' | ')}`);
  const unexpected = failedResponses.filter((r) => !expectedStatuses.has(Number(r.slice(0, 3))));
  if (unexpected.length) fail(`unexpected failed answers: ${unexpected.join(', ')}`);
  ok('no console errors, nothing from outside');
  console.log(`measured: ${JSON.stringify(measured)}`);
  writeFileSync(join(artifacts, 'workspace-measured.json'), JSON.stringify(measured, null, 2));
} finally {
  await browser.close();
}

function bboxOf(geometry) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => { if (typeof c[0] === 'number') { b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]); } else c.forEach(walk); };
  walk(geometry.coordinates);
  return b;
}

/** Drops a file on an element as a browser's drag and drop does. */
async function dropFile(page, selector, name, bytes, type) {
  const data = await page.evaluateHandle(({ name, b64, type }) => {
    const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([raw], name, { type }));
    return transfer;
  }, { name, b64: Buffer.from(bytes).toString('base64'), type });
  await page.dispatchEvent(selector, 'dragenter', { dataTransfer: data });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: data });
}

/** The verdict and every overlap's layer, feature and area, as /check gives them. */
async function compareWithAnswer(page, answer, what) {
  await page.waitForFunction((v) => document.querySelector('#verdict')?.dataset.verdict === v, answer.verdict, { timeout: 15000 });
  const rows = await page.$$eval('#conflicts tbody tr', (trs) => trs.map((tr) => ({ layer: tr.dataset.layer, feature: tr.dataset.feature, m2: tr.querySelector('.m2').textContent, mu: tr.querySelector('.mu').textContent })));
  const want = answer.conflicts.features.map((f) => ({
    layer: f.properties.layer,
    feature: String(f.properties.feature_id),
    m2: f.properties.overlap_length_m !== undefined ? `${fmt2(f.properties.overlap_length_m)} m` : fmt2(f.properties.overlap_area_m2),
    mu: f.properties.overlap_length_m !== undefined ? '' : fmt2(f.properties.overlap_area_mu),
  }));
  if (JSON.stringify(rows) !== JSON.stringify(want)) fail(`${what}: the table ${JSON.stringify(rows).slice(0, 400)} is not /check's ${JSON.stringify(want).slice(0, 400)}`);
  const area = await page.textContent('#candidate-area');
  if (!area.includes(fmt2(answer.candidate.area_m2))) fail(`${what}: the page's area ${area} is not /check's ${fmt2(answer.candidate.area_m2)}`);
  ok(`${what}: verdict ${answer.verdict}, ${want.length} overlaps with /check's areas, candidate ${fmt2(answer.candidate.area_m2)} m²`);
}

async function signIn(page, token, role) {
  if (await page.isVisible('#sign-out')) await page.click('#sign-out');
  await page.fill('#token', token);
  await page.click('#sign-in-button');
  await page.waitForFunction((role) => document.querySelector('#who')?.dataset.role === role, role, { timeout: 10000 });
}

async function expectProblem(page, selector, status, what) {
  await page.waitForSelector(`${selector} .problem[data-status="${status}"]`, { timeout: 10000 })
    .catch(async () => fail(`${what}: no ${status} shown (${await page.textContent(selector)})`));
  ok(`${what} is refused with ${status}, shown as such`);
}
