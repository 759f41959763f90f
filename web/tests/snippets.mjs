// Loads a web-map page in Debian's Chromium (driven by playwright-core) with
// no network but planmap's own loopback address, and checks that the map
// library came from planmap and drew planmap's features. Run by
// tests/readme_web_snippets_work_offline.rs.
//
// usage: node web/tests/snippets.mjs PAGE.html PLANMAP_BASE KIND EXPECTED.json SCREENSHOT.png
//   KIND      maplibre | openlayers | openlayers-tiles
//   EXPECTED  {"layer": id, "names": [...the name of every feature of the layer file...]}
// Prints `ok: …` lines; exits non-zero on the first failure.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

const [pagePath, base, kind, expectedPath, screenshot] = process.argv.slice(2);
const html = readFileSync(pagePath, 'utf8');
const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
// The page is served from an origin of its own (another port on loopback),
// as a bureau's own web page would be, so every request to planmap is a
// cross-origin one. (A page from a public address could not reach planmap on
// loopback at all: Chromium's Private Network Access rules.)
const site = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
});
await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
const pageUrl = `http://127.0.0.1:${site.address().port}/map.html`;

function fail(message) {
  console.log(`FAIL: ${message}`);
  process.exit(1);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    // WebGL on the CPU, as a machine without a GPU draws MapLibre.
    '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  ],
});
const refused = [];
const fromPlanmap = [];
const errors = [];
try {
  const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === pageUrl) return route.continue();
    if (url.startsWith(base + '/') || url === base) {
      fromPlanmap.push(url);
      return route.continue();
    }
    if (url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    refused.push(url);
    return route.abort('internetdisconnected');
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(pageUrl);
  let drawn;
  try {
  if (kind === 'maplibre') {
    await page.waitForFunction(
      () => window.map && window.map.loaded() && window.map.isSourceLoaded(window.map.getStyle().layers.at(-1).source),
      null, { timeout: 60000 });
    drawn = await page.evaluate(() => {
      const layer = window.map.getStyle().layers.at(-1).id;
      return window.map.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties.name);
    });
  } else if (kind === 'openlayers-tiles') {
    // Features of the vector tiles OpenLayers rendered in view.
    const inView = () => olMap.getLayers().getArray()
      .flatMap((l) => (l.getFeaturesInExtent ? l.getFeaturesInExtent(olMap.getView().calculateExtent()) : []))
      .map((f) => f.get('name'));
    await page.waitForFunction(`typeof olMap !== 'undefined' && (${inView.toString()})().length > 0`,
      null, { timeout: 60000 });
    drawn = await page.evaluate(`(${inView.toString()})()`);
  } else {
    // The snippet's `olMap` is a top-level binding of a classic script: in
    // the page's global scope, though not a property of window.
    await page.waitForFunction(() => typeof olMap !== 'undefined' && olMap.getLayers().getArray()
      .some((l) => l.getSource && l.getSource().getFeatures && l.getSource().getFeatures().length > 0),
    null, { timeout: 60000 });
    drawn = await page.evaluate(() => olMap.getLayers().getArray()
      .flatMap((l) => (l.getSource && l.getSource().getFeatures ? l.getSource().getFeatures() : []))
      .map((f) => f.get('name')));
  }
  } catch (e) {
    await page.screenshot({ path: screenshot });
    fail(`${e.message.split('\n')[0]}; page errors: ${errors.join(' | ') || 'none'}; ` +
      `refused: ${refused.join(', ') || 'none'}; asked planmap for: ${fromPlanmap.join(', ')}`);
  }
  await page.screenshot({ path: screenshot });
  if (refused.length) fail(`the page asked for what is not planmap: ${refused.join(', ')}`);
  if (errors.length) fail(`the page reported errors: ${errors.join(' | ')}`);
  const library = kind === 'maplibre' ? '/assets/maplibre-gl/maplibre-gl.mjs' : '/assets/ol/ol.js';
  if (!fromPlanmap.some((u) => u.startsWith(base + library))) {
    fail(`${library} was not loaded from planmap: ${fromPlanmap.join(', ')}`);
  }
  const known = new Set(expected.names);
  const unique = [...new Set(drawn)];
  if (unique.length === 0) fail(`nothing of ${expected.layer} was drawn`);
  const strangers = unique.filter((id) => !known.has(id));
  if (strangers.length) fail(`drew features that are not in ${expected.layer}: ${strangers.join(', ')}`);
  console.log(`ok: ${kind} drew ${unique.length} of the ${known.size} features of ${expected.layer}, ` +
    `${fromPlanmap.length} requests all to planmap, none elsewhere`);
} finally {
  await browser.close();
  site.close();
}
