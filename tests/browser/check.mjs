// Drives the verification page in Debian's Chromium (headless) for tests/page.rs: loads each
// corpus case through the page's file inputs, as a person would, and records the page's JSON
// verdict; a keyboard-only run; the notice a browser without Ed25519 gets; and every request
// that tried to leave the page. With --bench N, checks the named case N times and reports the
// median time the page took.
//
// node check.mjs PAGE.html CASES.json OUT.json [--screenshots DIR] [--bench CASE N]
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [pagePath, casesPath, outPath, ...rest] = process.argv.slice(2);
const option = (name) => {
  const at = rest.indexOf(name);
  return at < 0 ? null : rest.slice(at + 1);
};
const screenshots = option('--screenshots')?.[0] ?? null;
const bench = option('--bench');
const corpus = JSON.parse(readFileSync(casesPath, 'utf8'));
const base = resolve(casesPath, '..');
const pageUrl = pathToFileURL(resolve(pagePath)).href;
const axeSource = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

// axe-core's automated checks for WCAG 2.0, 2.1 and 2.2 at levels A and AA: what fails, by rule.
async function audit(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }),
  );
  return {
    passes: result.passes.length,
    violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })),
  };
}

const profile = mkdtempSync(join(tmpdir(), 'countersign-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
  ],
});
// Anything but the page itself leaving the page is recorded (and refused).
const requests = [];
await context.route('**/*', (route) => {
  const url = route.request().url();
  if (url === pageUrl) return route.continue();
  requests.push(url);
  return route.abort();
});

async function open() {
  const page = await context.newPage();
  page.on('request', (r) => {
    if (r.url() !== pageUrl && !requests.includes(r.url())) requests.push(r.url());
  });
  await page.goto(pageUrl);
  await page.waitForSelector('body[data-ready]');
  return page;
}

async function check(page, c, n = 1) {
  await page.setInputFiles('#bundle', join(base, c.bundle));
  if (c.document) await page.setInputFiles('#document', join(base, c.document));
  if (c.trust) await page.setInputFiles('#trust', join(base, c.trust));
  await page.click('#check-button');
  await page.waitForSelector(`body[data-done="${n}"]`, { timeout: 60000 });
  return {
    json: JSON.parse(await page.textContent('#result-json')),
    verdict: (await page.textContent('#verdict')).trim(),
    answer: (await page.$('#document-answer')) ? (await page.textContent('#document-answer')).trim() : null,
    elapsed_ms: Number(await page.getAttribute('body', 'data-elapsed-ms')),
  };
}

const out = { ready: null, cases: {}, keyboard: null, unsupported: null, audits: {}, print: null, drop: null, requests };
try {
  if (bench) {
    const [name, times] = bench;
    const c = corpus.cases.find((x) => x.name === name);
    const page = await open();
    const elapsed = [];
    for (let i = 1; i <= Number(times); i++) elapsed.push((await check(page, c, i)).elapsed_ms);
    elapsed.sort((a, b) => a - b);
    out.bench = { case: name, runs: elapsed.length, median_ms: elapsed[Math.floor(elapsed.length / 2)], min_ms: elapsed[0], max_ms: elapsed.at(-1) };
  } else {
    for (const c of corpus.cases) {
      const page = await open();
      out.ready = await page.getAttribute('body', 'data-ready');
      if (!out.audits.start) out.audits.start = await audit(page);
      out.cases[c.name] = await check(page, c);
      if (c.audit) out.audits[c.name] = await audit(page);
      if (c.name === corpus.keyboard_case) {
        // Printed, the result stands alone: the form and buttons are left out.
        await page.emulateMedia({ media: 'print' });
        out.print = {
          form_visible: await page.isVisible('#check'),
          verdict_visible: await page.isVisible('#verdict'),
          table_visible: await page.isVisible('#result table'),
        };
        await page.emulateMedia({ media: 'screen' });
      }
      if (screenshots && c.screenshot) {
        await page.setViewportSize({ width: 1100, height: 900 });
        await page.locator('#result').screenshot({ path: join(screenshots, c.screenshot) });
      }
      await page.close();
    }

    // The known-answer vectors (tests/vectors/): each envelope opened by the page's own
    // reader with the vectors' key, as the library opens it.
    if (corpus.vectors) {
      const page = await open();
      out.vectors = await page.evaluate(async (vectors) => {
        const bytes = (b64) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        const results = {};
        for (const v of vectors) {
          const keyring = new Map([[v.key_id, { raw: bytes(v.key), keyId: v.key_id }]]);
          try {
            const opened = await openSignature(bytes(v.envelope), keyring);
            results[v.name] = { key_id: opened.keyId, statement_sha256: opened.statementSha256 };
          } catch (e) {
            results[v.name] = { code: e.code ?? null, message: e.message };
          }
        }
        return results;
      }, corpus.vectors);
      await page.close();
    }

    // JSON texts read by the page's strict reader: the value, or the reader's words.
    if (corpus.json_texts) {
      const page = await open();
      out.json_texts = await page.evaluate((texts) => texts.map((t) => {
        try {
          const v = parseJson(new TextEncoder().encode(t), 'not JSON');
          return { ok: JSON.stringify(v, (k, x) => (x instanceof NonInteger || x instanceof BigWhole ? x.text : x)) };
        } catch (e) {
          return { error: e.message };
        }
      }), corpus.json_texts);
      await page.close();
    }

    // Keyboard only: Tab to the bundle box, open it with Space, Tab on to Check, press Enter.
    const c = corpus.cases.find((x) => x.name === corpus.keyboard_case);
    const page = await open();
    await page.bringToFront();
    const steps = [];
    const focusedId = () => page.evaluate(() => document.activeElement && document.activeElement.id);
    for (let i = 0; i < 20 && (await focusedId()) !== 'bundle'; i++) await page.keyboard.press('Tab');
    steps.push(await focusedId());
    // Space on the focused box opens the file chooser; on a loaded machine the first press can
    // come before the browser is ready to open one, so it is pressed again (still the keyboard).
    let chooser = null;
    for (let attempt = 1; !chooser; attempt++) {
      try {
        [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 15000 }), page.keyboard.press('Space')]);
      } catch (e) {
        if (attempt >= 3 || (await focusedId()) !== 'bundle') throw e;
      }
    }
    await chooser.setFiles(join(base, c.bundle));
    for (let i = 0; i < 20 && (await focusedId()) !== 'check-button'; i++) await page.keyboard.press('Tab');
    steps.push(await focusedId());
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-done="1"]', { timeout: 60000 });
    out.keyboard = { steps, focus_after: await focusedId(), verdict: (await page.textContent('#verdict')).trim() };
    await page.close();

    // Files dropped on the page go to the right box by their kind.
    const dropPage = await open();
    const bundleBase64 = readFileSync(join(base, c.bundle)).toString('base64');
    await dropPage.evaluate(([name, b64]) => {
      const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
      const files = new DataTransfer();
      files.items.add(new File([bytes], name, { type: 'application/zip' }));
      const drop = document.getElementById('drop');
      drop.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
    }, [c.bundle.split('/').at(-1), bundleBase64]);
    const dropped = (await dropPage.textContent('#dropped')).trim();
    await dropPage.click('#check-button');
    await dropPage.waitForSelector('body[data-done="1"]', { timeout: 60000 });
    out.drop = { dropped, verdict: (await dropPage.textContent('#verdict')).trim() };
    await dropPage.close();

    // A browser without Ed25519 in WebCrypto: the page says so and checks nothing.
    const plain = await context.newPage();
    await plain.addInitScript(() => {
      const original = crypto.subtle.importKey.bind(crypto.subtle);
      crypto.subtle.importKey = (format, key, algorithm, ...more) =>
        (algorithm && (algorithm === 'Ed25519' || algorithm.name === 'Ed25519'))
          ? Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'))
          : original(format, key, algorithm, ...more);
    });
    await plain.goto(pageUrl);
    await plain.waitForSelector('body[data-ready]');
    out.unsupported = {
      ready: await plain.getAttribute('body', 'data-ready'),
      notice: await plain.isVisible('#unsupported'),
      notice_text: (await plain.textContent('#unsupported')).replace(/\s+/g, ' ').trim(),
      button_disabled: await plain.isDisabled('#check-button'),
    };
    out.audits.unsupported = await audit(plain);
    await plain.close();
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
writeFileSync(outPath, JSON.stringify(out, null, 2));
