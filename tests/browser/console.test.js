// console.test.js — logwire console in a real browser: Debian's chromium driven by
// playwright-core, against the console, etcd, agents and the mock Kafka cluster that
// tests/integration/console.sh starts. Prints "ok - NAME" / "not ok - NAME" lines; exits 77
// when Chromium cannot start (the caller reports the test as skipped).
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const { execFileSync } = require('child_process');

const E = process.env;
const URL = E.CONSOLE_URL;
const SHOTS = E.SHOT_DIR;
const STEP_MS = 20000;
let failed = 0;
const ok = (name) => console.log('ok - ' + name);
const notok = (name, why) => { failed = 1; console.log('not ok - ' + name + (why ? ': ' + why : '')); };
async function check(name, fn) {
  try { await fn(); ok(name); } catch (e) { notok(name, String(e.message || e).split('\n')[0]); }
}
function assert(c, msg) { if (!c) throw new Error(msg); }
async function until(what, fn, ms = STEP_MS) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const shot = (page, name) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

async function login(ctx, user, pass) {
  const page = await ctx.newPage();
  await page.goto(URL);
  await page.fill('#login-user', user);
  await page.fill('#login-pass', pass);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#agents:not([hidden])', { timeout: STEP_MS });
  return page;
}

// Opens a host and waits for this opening to be drawn whole (configuration and history): the
// page numbers its openings in #config's data-loaded, so a page that already shows the host
// does not pass for the new one.
async function openHost(page, host) {
  const before = Number((await page.getAttribute('#config', 'data-loaded')) || 0);
  await page.click('nav button[data-view=config]');
  const b = `#host-list button:text-is("${host}")`;
  await page.waitForSelector(b, { timeout: STEP_MS });
  await page.click(b);
  await page.waitForFunction(([h, n]) => {
    const sec = document.querySelector('#config');
    return Number(sec.dataset.loaded || 0) > n && sec.getAttribute('aria-busy') === 'false' &&
      document.querySelector('#editing-h').textContent === h;
  }, [host, before], { timeout: STEP_MS });
}

async function apiFetch(page, method, path, body, csrf) {
  return page.evaluate(async ([m, p, b, c]) => {
    const h = { 'Content-Type': 'application/json' };
    if (c !== null) h['X-CSRF-Token'] = c;
    const r = await fetch(p, { method: m, headers: h, body: b === null ? undefined : JSON.stringify(b) });
    return { status: r.status, body: await r.json() };
  }, [method, path, body, csrf]);
}

function kcatCount(topic) {
  try {
    const out = execFileSync('kcat', ['-C', '-b', E.MOCK_BOOTSTRAP, '-t', topic, '-o', 'beginning',
      '-e', '-q', '-f', '%s\n'], { timeout: 10000 }).toString();
    return out.split('\n').filter((l) => l.startsWith('console-line ')).length;
  } catch (e) { return 0; }
}

// Accessibility: every form control labelled, every button named, text contrast >= 4.5:1.
async function a11y(page, name) {
  const problems = await page.evaluate(() => {
    const out = [];
    const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
    for (const e of document.querySelectorAll('input, textarea, select')) {
      if (!visible(e) || e.type === 'hidden') continue;
      const lab = (e.id && document.querySelector(`label[for="${e.id}"]`)) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby');
      if (!lab) out.push(`unlabelled ${e.tagName.toLowerCase()}#${e.id}`);
    }
    for (const b of document.querySelectorAll('button')) {
      if (visible(b) && !(b.textContent.trim() || b.getAttribute('aria-label'))) out.push('unnamed button');
    }
    const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const bg = (e) => {
      for (; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    for (const e of document.querySelectorAll('body *')) {
      if (!visible(e) || ![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
      const st = getComputedStyle(e);
      if (st.color === 'rgba(0, 0, 0, 0)' || e.id === 'editor') continue; // the editor's text is drawn by #highlight
      const fg = lum(rgb(st.color).slice(0, 3)), b = lum(bg(e));
      const ratio = (Math.max(fg, b) + 0.05) / (Math.min(fg, b) + 0.05);
      if (ratio < 4.5) out.push(`contrast ${ratio.toFixed(2)} on ${e.tagName.toLowerCase()} "${e.textContent.trim().slice(0, 30)}"`);
    }
    return out;
  });
  assert(problems.length === 0, `${name}: ${problems.slice(0, 5).join('; ')}`);
}

(async () => {
  let browser;
  try {
    browser = await chromium.launch({ executablePath: E.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu'], timeout: 60000 });
  } catch (e) {
    console.log('# Chromium cannot start: ' + String(e.message).split('\n')[0]);
    process.exit(77);
  }
  // bypassCSP: Playwright's waitForFunction evaluates its predicate as a string, which the
  // console's Content-Security-Policy (default-src 'self') rightly forbids to the page itself.
  const ctxOpts = { viewport: { width: 1280, height: 900 }, bypassCSP: true };
  const admin = await browser.newContext(ctxOpts);
  let page;

  await check('the login page is served with its own assets', async () => {
    page = await admin.newPage();
    const r = await page.goto(URL);
    assert(r.status() === 200, 'status ' + r.status());
    await page.waitForSelector('#login:not([hidden])', { timeout: STEP_MS });
    await shot(page, 'console-login');
  });

  await check('keyboard: Tab reaches user, password and the login button in order', async () => {
    await page.focus('#login-user');
    await page.keyboard.press('Tab');
    assert(await page.evaluate(() => document.activeElement.id) === 'login-pass', 'password not next');
    await page.keyboard.press('Tab');
    assert(await page.evaluate(() => document.activeElement.textContent) === 'Log in', 'button not next');
  });

  await check('a wrong password is refused', async () => {
    await page.fill('#login-user', E.ADMIN_USER);
    await page.fill('#login-pass', 'not-the-password');
    await page.click('#login-form button[type=submit]');
    await page.waitForFunction(() => /wrong user name or password/.test(document.querySelector('#login-error').textContent), null, { timeout: STEP_MS });
    assert(await page.isVisible('#login'), 'left the login page');
  });

  await check('the right password logs in; the session cookie is HttpOnly and SameSite=Strict', async () => {
    await page.fill('#login-user', E.ADMIN_USER);
    await page.fill('#login-pass', E.ADMIN_PASS);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('#agents:not([hidden])', { timeout: STEP_MS });
    const c = (await admin.cookies()).find((x) => x.name === 'lw_session');
    assert(c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(c));
  });

  await check('both agents appear live, pushed by the event stream', async () => {
    for (const h of [E.HOST1, E.HOST2])
      await page.waitForSelector(`#agents-table tr.live[data-host="${h}"]`, { timeout: STEP_MS });
    await until('stream live', () => page.evaluate(() => document.querySelector('#stream-state').textContent === 'live'));
    await shot(page, 'console-agents');
  });

  await check('accessibility: agents page (labels, names, contrast)', () => a11y(page, 'agents'));

  let savedRev = 0;
  await check('a config with a mistake is refused, the error shown at its line', async () => {
    await openHost(page, E.HOST1);
    const text = `[input.app]\npaths = ${E.NEW_LOG}\ntopic = ${E.NEW_TOPIC}\nstart = beginning\nno_such_key = 1\n`;
    await page.fill('#editor', text);
    await page.click('#save');
    await page.waitForSelector('#problems li', { timeout: STEP_MS });
    const items = await page.$$eval('#problems li', (l) => l.map((x) => x.textContent));
    assert(items.some((t) => t.startsWith('line 5:') && /no_such_key/.test(t)), JSON.stringify(items));
    assert(await page.isVisible('#gutter .bad'), 'no mark in the gutter');
    assert(await page.$eval('#gutter .bad', (e) => e.textContent) === '5', 'mark not on line 5');
    await shot(page, 'console-config-error');
    const r = await apiFetch(page, 'GET', `/api/config/${E.HOST1}`, null, null);
    assert(!r.body.value.includes('no_such_key'), 'the bad value was written');
  });

  await check('fixed, it is checked and saved', async () => {
    const text = `[input.app]\npaths = ${E.NEW_LOG}\ntopic = ${E.NEW_TOPIC}\nstart = beginning\n`;
    await page.fill('#editor', text);
    await page.click('#check');
    await page.waitForFunction(() => /No problems/.test(document.querySelector('#flash').textContent), null, { timeout: STEP_MS });
    await page.click('#save');
    await page.waitForFunction(() => /^Saved /.test(document.querySelector('#flash').textContent), null, { timeout: STEP_MS });
    savedRev = Number((await page.textContent('#flash')).match(/revision (\d+)/)[1]);
    assert(savedRev > 0, 'no revision');
  });

  await check('the agent applies it (its status shows the revision as latest)', async () => {
    await page.click('nav button[data-view=agents]');
    await page.waitForFunction(([h, rev]) => {
      const td = document.querySelector(`#agents-table tr[data-host="${h}"] td:last-child`);
      const m = td && td.textContent.match(/rev (\d+) \(latest\)/);
      return m && Number(m[1]) >= rev;
    }, [E.HOST1, savedRev], { timeout: STEP_MS });
  });

  await check("the new input's lines arrive in Kafka", async () => {
    let s = '';
    for (let i = 1; i <= 20; i++) s += `console-line ${i}\n`;
    fs.appendFileSync(E.NEW_LOG, s);
    await until('20 lines in Kafka', () => kcatCount(E.NEW_TOPIC) >= 20, 60000);
  });

  await check('a concurrent edit is refused, not overwritten', async () => {
    await openHost(page, E.HOST1);
    const other = await admin.newPage(); // the same session, in a second tab
    await other.goto(URL);
    await other.waitForSelector('#agents:not([hidden])', { timeout: STEP_MS });
    await openHost(other, E.HOST1);
    await other.fill('#editor', (await other.inputValue('#editor')) + '; edited elsewhere\n');
    await other.click('#save');
    await other.waitForFunction(() => /^Saved /.test(document.querySelector('#flash').textContent), null, { timeout: STEP_MS });
    await page.fill('#editor', (await page.inputValue('#editor')) + '; edited here\n');
    await page.click('#save');
    await page.waitForFunction(() => /changed by someone else/.test(document.querySelector('#flash').textContent), null, { timeout: STEP_MS });
    const r = await apiFetch(page, 'GET', `/api/config/${E.HOST1}`, null, null);
    assert(r.body.value.includes('edited elsewhere') && !r.body.value.includes('edited here'), 'overwritten');
    await other.close();
  });

  await check('history, a diff against current, and roll back', async () => {
    await openHost(page, E.HOST1);
    const n = await page.$$eval('#history li button', (l) => l.length);
    assert(n >= 3, 'only ' + n + ' revisions');
    await page.click(`#history li button:text("revision ${savedRev}")`);
    await page.waitForSelector('#diff-wrap:not([hidden])', { timeout: STEP_MS });
    assert(/- ; edited elsewhere/.test(await page.textContent('#diff')), 'diff lacks the removed line');
    await shot(page, 'console-history');
    await page.click('#rollback');
    await page.waitForFunction(() => /^Rolled /.test(document.querySelector('#flash').textContent), null, { timeout: STEP_MS });
    const r = await apiFetch(page, 'GET', `/api/config/${E.HOST1}`, null, null);
    assert(!r.body.value.includes('edited elsewhere') && r.body.value.includes(E.NEW_TOPIC), 'not rolled back');
  });

  await check('a host opened while another loads wins: the late history is not drawn over it', async () => {
    const slow = `**/api/history/${E.HOST1}`;
    await page.route(slow, async (route) => {
      await new Promise((r) => setTimeout(r, 800));
      await route.continue();
    });
    try {
      await page.click('nav button[data-view=config]');
      const before = Number((await page.getAttribute('#config', 'data-loaded')) || 0);
      await page.click(`#host-list button:text-is("${E.HOST1}")`);
      await page.waitForFunction((n) => Number(document.querySelector('#config').dataset.loaded || 0) > n ||
        document.querySelector('#config').getAttribute('aria-busy') === 'true', before, { timeout: STEP_MS });
      await openHost(page, E.HOST2);
      await page.waitForTimeout(1200); // past the slow answer for the first host
      assert(await page.textContent('#editing-h') === E.HOST2, 'the heading went back');
      const shown = await page.$$eval('#history li button', (l) => l.map((b) => b.textContent));
      const want = (await apiFetch(page, 'GET', `/api/history/${E.HOST2}`, null, null)).body.revisions
        .map((v) => `revision ${v.mod_revision}`);
      assert(JSON.stringify(shown) === JSON.stringify(want), `shown ${JSON.stringify(shown)}, want ${JSON.stringify(want)}`);
    } finally {
      await page.unroute(slow);
    }
  });

  await check('the tutorial JSON layout is read-only, with a convert button', async () => {
    await openHost(page, E.HOST2);
    assert(await page.isVisible('#json-note'), 'no JSON note');
    assert(await page.isDisabled('#editor'), 'editable');
    await page.click('#convert');
    await page.waitForFunction(() => /\[input\.[^\]]+\]\npaths = /.test(document.querySelector('#editor').value), null, { timeout: STEP_MS });
    await shot(page, 'console-config');
  });

  await check('accessibility: configuration page', () => a11y(page, 'config'));

  await check('a write without the CSRF token is refused', async () => {
    const cur = await apiFetch(page, 'GET', `/api/config/${E.HOST1}`, null, null);
    const r = await apiFetch(page, 'PUT', `/api/config/${E.HOST1}`, { value: '', mod_revision: cur.body.mod_revision }, null);
    assert(r.status === 403 && /CSRF/.test(r.body.error), `status ${r.status}`);
    const r2 = await apiFetch(page, 'PUT', `/api/config/${E.HOST1}`, { value: '', mod_revision: cur.body.mod_revision }, 'wrong-token');
    assert(r2.status === 403, `wrong token: status ${r2.status}`);
  });

  await check('the audit page lists the changes with their user', async () => {
    await page.click('nav button[data-view=audit]');
    await page.waitForSelector('#audit-table tbody tr', { timeout: STEP_MS });
    const rows = await page.$$eval('#audit-table tbody tr', (l) => l.map((r) => r.textContent));
    assert(rows.some((t) => t.includes('rollback') && t.includes(E.ADMIN_USER)), 'no rollback record');
    await shot(page, 'console-audit');
  });

  await check('a read-only user can look but not save', async () => {
    const ro = await browser.newContext(ctxOpts);
    const p = await login(ro, E.VIEWER_USER, E.VIEWER_PASS);
    await openHost(p, E.HOST1);
    assert(!(await p.isVisible('#save')), 'Save shown');
    const csrf = (await apiFetch(p, 'GET', '/api/session', null, null)).body.csrf;
    const cur = await apiFetch(p, 'GET', `/api/config/${E.HOST1}`, null, null);
    const r = await apiFetch(p, 'PUT', `/api/config/${E.HOST1}`, { value: '', mod_revision: cur.body.mod_revision }, csrf);
    assert(r.status === 403 && /read-only/.test(r.body.error), `status ${r.status}`);
    await ro.close();
  });

  await check('an agent that dies is greyed out once its lease expires', async () => {
    await page.click('nav button[data-view=agents]');
    process.kill(Number(E.HOST2_PID), 'SIGKILL');
    await page.waitForSelector(`#agents-table tr.gone[data-host="${E.HOST2}"]`, { timeout: 60000 });
    assert(await page.isVisible(`#agents-table tr.live[data-host="${E.HOST1}"]`), 'the other agent went too');
    await shot(page, 'console-agents-gone');
  });

  await browser.close();
  process.exit(failed);
})().catch((e) => { console.log('not ok - browser test aborted: ' + String(e.message || e).split('\n')[0]); process.exit(1); });
