// Loads HTML pages in Debian's Chromium (headless, through playwright-core; never a downloaded browser), takes a
// full-page screenshot of each and fails on a console error, a failed or outside request, an image that did not
// load, missing expected text, or a blank page.
//
//   node check.mjs MANIFEST.json SCREENSHOT_DIR [--readme-shot PAGE_INDEX:PATH]
//
// MANIFEST.json: [{ "name": "xor", "file": "/abs/report.html", "expect": ["What was run", "completed"] }, ...]
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [manifestPath, shotDir, ...rest] = process.argv.slice(2);
if (!manifestPath || !shotDir) {
  console.error('usage: node check.mjs MANIFEST.json SCREENSHOT_DIR [--readme-shot INDEX:PATH]');
  process.exit(2);
}
let readmeShot = null;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--readme-shot') {
    const [index, file] = rest[++i].split(/:(.*)/s);
    readmeShot = { index: Number(index), file };
  }
}
const pages = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
fs.mkdirSync(shotDir, { recursive: true });

// The machine's network is closed: Chromium must not try to reach anything (its own services included).
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});

// The share of pixels that are not (nearly) white: a blank page has almost none.
function inkShare(png) {
  const image = PNG.sync.read(png);
  let ink = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    const [r, g, b] = [image.data[i], image.data[i + 1], image.data[i + 2]];
    if (r < 235 || g < 235 || b < 235) ink++;
  }
  return ink / (image.width * image.height);
}

const failures = [];
try {
  for (const [index, entry] of pages.entries()) {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, javaScriptEnabled: true });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url().slice(0, 120)} (${r.failure()?.errorText})`));
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith('data:') && url !== pathToFileURL(entry.file).href) problems.push(`request outside the page: ${url.slice(0, 120)}`);
    });
    await page.goto(pathToFileURL(entry.file).href, { waitUntil: 'load' });
    const facts = await page.evaluate(() => ({
      text: document.body.innerText,
      images: [...document.images].map((i) => ({ ok: i.complete && i.naturalWidth > 0, width: i.naturalWidth, alt: i.alt })),
      scripts: document.scripts.length,
      title: document.title,
    }));
    for (const image of facts.images) if (!image.ok) problems.push(`image not shown: ${image.alt}`);
    if (facts.scripts > 0) problems.push(`${facts.scripts} script element(s): a report needs none`);
    for (const expected of entry.expect ?? []) if (!facts.text.includes(expected)) problems.push(`missing text: ${expected}`);
    const shot = path.join(shotDir, `${String(index + 1).padStart(2, '0')}-${entry.name}.png`);
    const png = await page.screenshot({ path: shot, fullPage: true });
    const ink = inkShare(png);
    if (ink < 0.02) problems.push(`blank page: only ${(100 * ink).toFixed(2)} % of its pixels are not white`);
    if (readmeShot && readmeShot.index === index) {
      // The README's picture: the page from its top to the end of the training curves, drawn at 0.7 scale to stay small.
      const small = await browser.newContext({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 0.7 });
      const view = await small.newPage();
      await view.goto(pathToFileURL(entry.file).href, { waitUntil: 'load' });
      const figure = await view.locator('#curves-figure').boundingBox();
      const height = Math.ceil(figure.y + figure.height + 16);
      await view.screenshot({ path: readmeShot.file, clip: { x: 0, y: 0, width: 1100, height }, fullPage: true });
      await small.close();
    }
    console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${entry.name}: "${facts.title}", ${facts.images.length} image(s), ${(100 * ink).toFixed(1)} % ink, screenshot ${shot}`);
    for (const p of problems) console.log(`       ${p}`);
    if (problems.length > 0) failures.push(entry.name);
    await context.close();
  }
} finally {
  await browser.close();
}
if (failures.length > 0) {
  console.log(`browser check: ${failures.length} of ${pages.length} page(s) failed: ${failures.join(', ')}`);
  process.exit(1);
}
console.log(`browser check: ${pages.length} page(s) rendered without a console error`);
