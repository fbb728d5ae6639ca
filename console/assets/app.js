// logwire console: the page's script. No framework; talks to the JSON API of `logwire console`
// (docs/CONSOLE.md) and listens to its event stream for agent and configuration changes.
'use strict';
const $ = (s) => document.querySelector(s);
const el = (tag, props, ...kids) => {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const k of kids) e.append(k);
  return e;
};
const S = { user: null, role: null, csrf: null, agents: new Map(), configs: new Map(), host: null,
  cur: null, picked: null, stream: null, opening: 0 };

function flash(msg, bad) {
  const f = $('#flash');
  f.textContent = msg || '';
  f.className = bad ? 'bad' : '';
}

async function api(method, path, body) {
  const opt = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') opt.headers['X-CSRF-Token'] = S.csrf || '';
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  const r = await fetch(path, opt);
  let data = {};
  try { data = await r.json(); } catch (e) { data = {}; }
  if (r.status === 401 && path !== '/api/login') showLogin();
  return { status: r.status, data };
}

// ---- Views ----
function show(view) {
  for (const id of ['login', 'agents', 'config', 'audit']) $('#' + id).hidden = id !== view;
  for (const b of document.querySelectorAll('nav button'))
    b.setAttribute('aria-current', b.dataset.view === view ? 'page' : 'false');
  if (view === 'config') loadConfigs();
  if (view === 'audit') loadAudit();
}

function showLogin() {
  S.user = null;
  if (S.stream) { S.stream.close(); S.stream = null; }
  $('#nav').hidden = true;
  $('#who').hidden = true;
  show('login');
  $('#login-user').focus();
}

function loggedIn(d) {
  S.user = d.user; S.role = d.role; S.csrf = d.csrf;
  document.body.classList.toggle('readonly', d.role !== 'admin');
  $('#who-name').textContent = d.user + (d.role !== 'admin' ? ' (read-only)' : '');
  $('#nav').hidden = false;
  $('#who').hidden = false;
  show('agents');
  startStream();
}

$('#login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('#login-error').textContent = '';
  const r = await api('POST', '/api/login', { user: $('#login-user').value, password: $('#login-pass').value });
  $('#login-pass').value = '';
  if (r.status === 200) loggedIn(r.data);
  else $('#login-error').textContent = r.data.error || 'Login failed';
});
$('#logout').addEventListener('click', async () => {
  await api('POST', '/api/logout');
  showLogin();
});
for (const b of document.querySelectorAll('nav button'))
  b.addEventListener('click', () => { flash(''); show(b.dataset.view); });

// ---- Agents (Server-Sent Events; no polling) ----
function startStream() {
  if (S.stream) S.stream.close();
  const es = new EventSource('/api/events');
  S.stream = es;
  es.addEventListener('open', () => { $('#stream-state').textContent = 'live'; });
  es.addEventListener('error', () => { $('#stream-state').textContent = 'reconnecting'; });
  es.addEventListener('snapshot', (m) => {
    const d = JSON.parse(m.data);
    S.agents.clear();
    for (const a of d.agents) S.agents.set(a.host, a);
    S.configs = new Map(d.configs.map((c) => [c.host, c.mod_revision]));
    renderAgents();
  });
  es.addEventListener('agent', (m) => {
    const a = JSON.parse(m.data);
    const old = S.agents.get(a.host);
    if (!a.live && old) a.status = old.status; // keep what it last said, greyed out
    S.agents.set(a.host, a);
    renderAgents();
  });
  es.addEventListener('config', (m) => {
    const c = JSON.parse(m.data);
    if (c.deleted) S.configs.delete(c.host); else S.configs.set(c.host, c.mod_revision);
    renderAgents();
    if (!$('#config').hidden) loadConfigs();
    if (S.host === c.host && S.cur && c.mod_revision !== S.cur.mod_revision)
      flash(`${c.host} was changed (revision ${c.mod_revision}) while open here.`, true);
  });
}

function num(v) { return typeof v === 'number' && isFinite(v) ? v : 0; }
// The agent's status key: {version, uptime_s, lines_per_s, config_revision, config_error,
// stats: {inputs: [{lag_bytes, lines_failed, read_errors, ...}], producer, brokers: [{state}]}}.
function totals(st) {
  const s = st.stats || {};
  let lag = 0, errors = 0;
  for (const i of s.inputs || []) {
    lag += num(i.lag_bytes);
    errors += num(i.lines_failed) + num(i.read_errors) + num(i.checkpoint_errors);
  }
  errors += num((s.producer || {}).records_failed);
  if (st.config_error) errors++;
  return { lag, errors };
}
function dur(s) {
  if (!(s >= 0)) return '';
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m ${Math.floor(s % 60)}s`;
}
function bytes(n) {
  return n < 1024 ? n + ' B' : n < 1048576 ? (n / 1024).toFixed(1) + ' KiB' : (n / 1048576).toFixed(1) + ' MiB';
}
function brokers(st) {
  const b = (st.stats || {}).brokers || [];
  if (!b.length) return '';
  const up = b.filter((x) => x.state === 'READY').length;
  return `${up}/${b.length} ready`;
}
function renderAgents() {
  const tb = $('#agents-table tbody');
  tb.textContent = '';
  const latest = Math.max(num(S.configs.get('_all')), 0);
  const hosts = [...S.agents.keys()].sort();
  let live = 0;
  for (const h of hosts) {
    const a = S.agents.get(h), st = a.status || {};
    if (a.live) live++;
    const t = totals(st);
    const want = Math.max(latest, num(S.configs.get(h)));
    const applied = num(st.config_revision);
    const cfg = el('span', { className: applied >= want ? 'ok' : 'stale',
      textContent: applied ? `rev ${applied} ${applied >= want ? '(latest)' : '(behind: ' + want + ')'}` : '' });
    const err = st.config_error ? `config revision ${st.config_error.revision} refused: ${st.config_error.message}` : '';
    const tr = el('tr', { className: a.live ? 'live' : 'gone' },
      el('th', { scope: 'row', textContent: h }),
      el('td', { textContent: a.live ? 'live' : 'gone' }),
      el('td', { textContent: st.version || '' }),
      el('td', { textContent: a.live ? dur(num(st.uptime_s)) : '' }),
      el('td', { textContent: a.live ? num(st.lines_per_s).toFixed(1) : '' }),
      el('td', { textContent: bytes(t.lag) }),
      el('td', { textContent: String(t.errors), title: err }),
      el('td', { textContent: brokers(st) }),
      el('td', {}, cfg));
    tr.dataset.host = h;
    tb.append(tr);
  }
  $('#agents-count').textContent = `(${live} live)`;
}

// ---- Configuration ----
async function loadConfigs() {
  const r = await api('GET', '/api/configs');
  if (r.status !== 200) return;
  const ul = $('#host-list');
  ul.textContent = '';
  const names = r.data.configs.map((c) => c.host);
  if (!names.includes('_all')) names.unshift('_all');
  for (const h of names) {
    const b = el('button', { type: 'button', textContent: h === '_all' ? '_all (every host)' : h });
    b.setAttribute('aria-current', String(h === S.host));
    b.addEventListener('click', () => openHost(h));
    ul.append(el('li', {}, b));
  }
}

function esc(s) { return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'); }
function paint(bad) {
  const text = $('#editor').value;
  const lines = text.split('\n');
  bad = bad || S.badLines || new Set();
  $('#highlight').innerHTML = lines.map((l, i) => {
    let h;
    if (/^\s*[;#]/.test(l)) h = `<span class="c">${esc(l)}</span>`;
    else if (/^\s*\[/.test(l)) h = `<span class="s">${esc(l)}</span>`;
    else {
      const m = /^(\s*[^=]+?)(\s*=\s*)(.*)$/.exec(l);
      h = m ? `<span class="k">${esc(m[1])}</span>${esc(m[2])}` +
        (m[3] === '********' ? `<span class="secret">${esc(m[3])}</span>` : esc(m[3])) : esc(l);
    }
    return bad.has(i + 1) ? `<span class="badline">${h || ' '}</span>` : h;
  }).join('\n') + '\n';
  $('#gutter').innerHTML = lines.map((_, i) => bad.has(i + 1) ?
    `<span class="bad" title="error">${i + 1}</span>` : String(i + 1)).join('\n') + '\n';
  syncScroll();
}
function syncScroll() {
  const t = $('#editor');
  $('#highlight').scrollTop = t.scrollTop; $('#highlight').scrollLeft = t.scrollLeft;
  $('#gutter').scrollTop = t.scrollTop;
}
$('#editor').addEventListener('input', () => { S.badLines = null; paint(); });
$('#editor').addEventListener('scroll', syncScroll);
$('#editor').addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') ev.target.blur(); // Tab stays a way out of the text area
});

function problems(list) {
  const ul = $('#problems');
  ul.textContent = '';
  S.badLines = new Set();
  for (const p of list || []) {
    if (p.line) S.badLines.add(p.line);
    ul.append(el('li', { textContent: (p.line ? `line ${p.line}: ` : '') + p.message }));
  }
  paint();
}

// Opening a host reads its configuration, then its history. While that runs the section is
// aria-busy; a host opened meanwhile wins (the older answers are dropped, not drawn over it).
// When both are drawn, data-loaded takes the number of this opening.
async function openHost(h) {
  const seq = ++S.opening;
  const sec = $('#config');
  sec.setAttribute('aria-busy', 'true');
  S.host = h; S.picked = null;
  flash('');
  $('#diff-wrap').hidden = true;
  const r = await api('GET', '/api/config/' + encodeURIComponent(h));
  if (seq !== S.opening) return;
  const exists = r.status === 200;
  S.cur = exists ? r.data : { host: h, value: '', mod_revision: 0, format: 'ini' };
  $('#editing-h').textContent = h === '_all' ? 'Every host (_all)' : h;
  $('#rev-line').textContent = exists ? `revision ${S.cur.mod_revision}, version ${S.cur.version}` : 'no configuration yet (Save creates it)';
  const json = S.cur.format === 'json';
  $('#json-note').hidden = !json;
  $('#editor').value = S.cur.value;
  $('#editor').disabled = json || S.role !== 'admin';
  $('#editor').readOnly = json || S.role !== 'admin';
  $('#check').disabled = json;
  $('#save').disabled = json || S.role !== 'admin';
  $('#delete').disabled = !exists || S.role !== 'admin';
  problems([]);
  loadConfigs();
  await loadHistory(seq);
  if (seq !== S.opening) return;
  sec.setAttribute('aria-busy', 'false');
  sec.dataset.loaded = String(seq);
}

$('#check').addEventListener('click', async () => {
  const r = await api('POST', '/api/check/' + encodeURIComponent(S.host), { value: $('#editor').value });
  if (r.status === 200 && r.data.ok) { problems([]); flash('No problems found.'); }
  else { problems(r.data.errors || [{ message: r.data.error }]); flash('The configuration has problems.', true); }
});

$('#save').addEventListener('click', async () => {
  const r = await api('PUT', '/api/config/' + encodeURIComponent(S.host),
    { value: $('#editor').value, mod_revision: S.cur.mod_revision });
  if (r.status === 200) {
    await openHost(S.host);
    flash(`Saved ${S.host} at revision ${r.data.mod_revision}.`);
  } else if (r.status === 409) {
    flash(`Not saved: ${S.host} was changed by someone else (now revision ${r.data.current_revision}). ` +
      'Your text is kept in the editor; reload the host to see theirs.', true);
  } else if (r.status === 422) {
    problems(r.data.errors);
    flash('Not saved: the configuration has problems (marked at their lines).', true);
  } else flash('Not saved: ' + (r.data.error || r.status), true);
});

$('#delete').addEventListener('click', async () => {
  if (!confirm(`Delete the configuration of ${S.host}?`)) return;
  const r = await api('DELETE', `/api/config/${encodeURIComponent(S.host)}?mod_revision=${S.cur.mod_revision}`);
  if (r.status === 200) { const h = S.host; await openHost('_all'); flash(`Deleted ${h}.`); }
  else flash('Not deleted: ' + (r.data.error || r.status), true);
});

$('#add-host').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const h = $('#new-host').value.trim();
  if (h) { $('#new-host').value = ''; openHost(h); }
});

$('#convert').addEventListener('click', async () => {
  const r = await api('GET', '/api/convert/' + encodeURIComponent(S.host));
  if (r.status !== 200) { flash('Cannot convert: ' + (r.data.error || r.status), true); return; }
  S.cur.format = 'ini';
  $('#json-note').hidden = true;
  $('#editor').value = r.data.value;
  $('#editor').disabled = false; $('#editor').readOnly = false;
  $('#check').disabled = false; $('#save').disabled = false;
  paint();
  flash('Converted to INI: check it, then Save to replace the JSON value.');
  $('#editor').focus();
});

// ---- History, diff, rollback ----
async function loadHistory(seq) {
  const r = await api('GET', '/api/history/' + encodeURIComponent(S.host));
  if (seq !== S.opening) return;
  const items = [];
  if (r.status === 200) {
    for (const v of r.data.revisions) {
      const b = el('button', { type: 'button', textContent: `revision ${v.mod_revision}` });
      b.addEventListener('click', () => pick(v.mod_revision));
      items.push(el('li', {}, b, v.current ? ' (current)' : '', v.deleted ? ' (deleted)' : ''));
    }
    if (r.data.compacted) items.push(el('li', { className: 'muted', textContent: 'older revisions compacted' }));
  }
  $('#history').replaceChildren(...items); // drawn in one step: never empty while the answer is on its way
}

function diffLines(a, b) {
  const n = a.length, m = b.length, L = [];
  for (let i = 0; i <= n; i++) L.push(new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { out.push([' ', a[i]]); i++; j++; }
    else if (j < m && (i === n || L[i][j + 1] >= L[i + 1][j])) { out.push(['+', b[j]]); j++; }
    else { out.push(['-', a[i]]); i++; }
  }
  return out;
}

async function pick(rev) {
  const r = await api('GET', `/api/config/${encodeURIComponent(S.host)}?revision=${rev}`);
  if (r.status !== 200) { flash('Cannot read revision ' + rev + ': ' + (r.data.error || r.status), true); return; }
  S.picked = rev;
  const d = diffLines(S.cur.value.split('\n'), r.data.value.split('\n'));
  const pre = $('#diff');
  pre.textContent = '';
  for (const [t, l] of d)
    pre.append(el('span', { className: t === '+' ? 'add' : t === '-' ? 'del' : '', textContent: `${t} ${l}\n` }));
  $('#diff-h').textContent = `Revision ${rev} against the current one (+ lines are in revision ${rev})`;
  $('#diff-wrap').hidden = false;
}

$('#rollback').addEventListener('click', async () => {
  const r = await api('POST', '/api/rollback/' + encodeURIComponent(S.host),
    { revision: S.picked, mod_revision: S.cur.mod_revision });
  if (r.status === 200) {
    const from = S.picked;
    await openHost(S.host);
    flash(`Rolled ${S.host} back to revision ${from} (now revision ${r.data.mod_revision}).`);
  }
  else if (r.status === 409) flash(`Not rolled back: ${S.host} changed meanwhile (now revision ${r.data.current_revision}).`, true);
  else if (r.status === 422) { problems(r.data.errors); flash('Not rolled back: that revision no longer passes the check.', true); }
  else flash('Not rolled back: ' + (r.data.error || r.status), true);
});

// ---- Audit ----
async function loadAudit() {
  const r = await api('GET', '/api/audit');
  if (r.status !== 200) return;
  const tb = $('#audit-table tbody');
  tb.textContent = '';
  for (const a of r.data.records)
    tb.append(el('tr', {}, el('td', { textContent: new Date(a.time_ms).toISOString() }),
      el('td', { textContent: a.user }), el('td', { textContent: a.action }),
      el('td', { textContent: a.host || '' }), el('td', { textContent: a.revision ? String(a.revision) : '' })));
}

// ---- Start ----
(async () => {
  const r = await api('GET', '/api/session');
  if (r.status === 200) loggedIn(r.data); else showLogin();
})();
