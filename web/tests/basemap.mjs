// Loads the workspace of a server started with --basemap and checks that
// the basemap's tiles are asked for at the configured template, answered,
// and drawn under the plan, with its attribution shown. Run by
// tests/the_web_workspace_works_in_a_browser.rs.
//
// usage: node web/tests/basemap.mjs PLANMAP_BASE PATH_PREFIX ATTRIBUTION
import { chromium } from 'playwright-core';

const [base, prefix, attribution] = process.argv.slice(2);
function fail(message) {
  console.log(`FAIL: ${message}`);
  process.exit(1);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const basemapTiles = [];
  page.on("response", (r) => { if (new URL(r.url()).pathname.startsWith(prefix)) { basemapTiles.push(r.status()); if (r.status() !== 200) console.log(`basemap ${r.status()} ${r.url()}`); } });
  await page.route('**/*', (route) => (route.request().url().startsWith(`${base}/`) ? route.continue() : route.abort('internetdisconnected')));
  await page.goto(`${base}/map`);
  await page.waitForFunction(() => window.planmapWorkspace?.ready === true, null, { timeout: 20000 });
  await page.waitForLoadState('networkidle');
  if (basemapTiles.length === 0) fail(`no tile under ${prefix} was asked for`);
  if (basemapTiles.some((s) => s !== 200)) fail(`basemap tiles answered ${basemapTiles}`);
  const drawn = await page.evaluate(() => {
    const layer = window.planmapWorkspace.map.getLayers().getArray().find((l) => l.getZIndex() === -1);
    return layer ? layer.getSource().getState() : null;
  });
  if (drawn !== 'ready') fail(`the basemap layer is ${drawn}`);
  const credits = await page.textContent('.ol-attribution');
  if (!credits.includes(attribution)) fail(`the attribution reads ${credits}`);
  if (errors.length) fail(errors.join(' | '));
  console.log(`ok: ${basemapTiles.length} basemap tiles under ${prefix}, all 200, drawn under the plan, credited "${attribution}"`);
} finally {
  await browser.close();
}
