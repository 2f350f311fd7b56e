// The app's router. Pages are ES modules under pages/, each exporting
// render(ctx) that answers a Node. Pages inside the app are addressed by
// the hash (/#/sets/12), so that no app path can clash with an API path;
// the mail-link landing pages are real paths (see webapp.Landings).

import { call, setToken, token, roleLevel, ApiError } from './api.js';
import { h, say, button } from './dom.js';

// Routes: [pattern, module, needs sign-in, minimum level].
const routes = [
  ['/', './pages/home.js', false, 0],
  ['/signin', './pages/signin.js', false, 0],
  ['/signup', './pages/signup.js', false, 0],
  ['/account', './pages/account.js', true, 0],
  ['/account/security', './pages/security.js', true, 0],
  ['/account/data', './pages/data.js', true, 0],
  ['/apikeys', './pages/apikeys.js', true, 0],
  ['/sets', './pages/sets.js', true, 0],
  ['/sets/:id', './pages/set.js', true, 0],
  ['/patterns', './pages/patterns.js', true, 0],
  ['/patterns/:id', './pages/pattern.js', true, 0],
  ['/staff/curated', './pages/curated.js', true, 5],
  ['/staff/curated/:id', './pages/curatedset.js', true, 5],
  ['/staff/packs', './pages/packs.js', true, 5],
  ['/staff/packs/:id', './pages/pack.js', true, 5],
  ['/staff/suggestions', './pages/suggestions.js', true, 5],
  ['/staff/users', './pages/users.js', true, 8],
  ['/staff/users/:id', './pages/user.js', true, 8],
];

// Landing pages of mail links, by path.
const landings = [
  [/^\/confirm\/signup\/([^/]+)\/([^/]+)$/, 'signup'],
  [/^\/confirm\/emailchange\/([^/]+)\/([^/]+)$/, 'emailchange'],
  [/^\/signinlink\/([^/]+)\/([^/]+)$/, 'signinlink'],
  [/^\/newsletter\/subscribe$/, 'newsletter'],
  [/^\/ocunsub\/([^/]+)$/, 'unsubscribe'],
  [/^\/newsletter\/unsubscribe$/, 'unsubscribe'], // ?i=<ehash>: where GET /ocunsub/{ehash} leads, as upstream
  [/^\/signin\/callback\/([a-z0-9]+)$/, 'oauth'], // a provider sends the person back here (?state&code)
];

function match(pattern, path) {
  const p = pattern.split('/'), a = path.split('/');
  if (p.length !== a.length) return null;
  const params = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) params[p[i].slice(1)] = decodeURIComponent(a[i]);
    else if (p[i] !== a[i]) return null;
  }
  return params;
}

// session is the signed-in account, read afresh on every page (so a role
// changed by an admin shows on the next page), or null.
export const ctx = { account: null, level: -1, problem: null, go, signOut, refresh: () => route() };

async function loadSession() {
  ctx.account = null; ctx.level = -1; ctx.problem = null;
  if (!token()) return;
  try {
    const r = await call('GET', '/whoami');
    ctx.account = r.account;
  } catch (e) {
    if (e instanceof ApiError && e.body && e.body.account && (e.status === 451 || e.status === 403)) {
      ctx.account = e.body.account; ctx.problem = e.code; // the guest flow: consent or status
    } else if (e instanceof ApiError && e.status === 401) {
      setToken('');
    } else throw e;
  }
  if (ctx.account) ctx.level = roleLevel[ctx.account.role] ?? -1;
}

// go opens a page of the app. What was just said (say('Set deleted.')
// before go('/sets')) stays on the new page; a page opened by a link
// starts with the status line empty.
let going = false;
export function go(hash) {
  if (location.pathname !== '/') { history.replaceState(null, '', '/#' + hash); route(); return; }
  if (location.hash === '#' + hash) route(); else { going = true; location.hash = hash; }
}

export async function signOut(everywhere) {
  try { await call('POST', everywhere ? '/signout/all' : '/signout'); } catch (e) { if (!(e instanceof ApiError) || e.status !== 401) throw e; }
  setToken('');
  go('/signin');
  say(everywhere ? 'Signed out on every device.' : 'Signed out.');
}

function nav() {
  const n = document.getElementById('nav');
  const link = (href, text) => h('a', { href: '/#' + href, 'aria-current': location.hash === '#' + href ? 'page' : undefined }, text);
  n.replaceChildren();
  if (!ctx.account) {
    n.append(link('/signin', 'Sign in'), link('/signup', 'Sign up'));
    return;
  }
  n.append(link('/account', 'Account'), link('/account/security', 'Security'), link('/account/data', 'Your data'),
    link('/apikeys', 'API keys'), link('/sets', 'Sets'), link('/patterns', 'Patterns'));
  if (ctx.level >= 5) n.append(link('/staff/curated', 'Curated sets'), link('/staff/packs', 'Option packs'), link('/staff/suggestions', 'Suggestions'));
  if (ctx.level >= 8) n.append(link('/staff/users', 'Users'));
  n.append(h('span', { class: 'who', id: 'who' }, ctx.account.username, ' · ', h('span', { id: 'role' }, ctx.account.role)),
    button('Sign out', () => signOut(false), { class: 'link', id: 'signout' }));
}

// drawing counts route() calls: a page opened while another is still
// loading wins, and the older one, finishing later, draws nothing.
// body[data-settled] counts the calls that have ended, drawn or not.
let drawing = 0, settled = 0;

async function route() {
  const mine = ++drawing;
  try { await draw(() => mine !== drawing); } finally { document.body.dataset.settled = String(++settled); }
}

async function draw(stale) {
  const main = document.getElementById('main');
  let mod, params = {};
  document.body.dataset.ready = 'false'; // a page is being drawn (the tests wait for 'true')
  try {
    await loadSession();
    if (stale()) return;
    const landing = landings.find(([re]) => re.test(location.pathname));
    if (landing) {
      const m = location.pathname.match(landing[0]);
      params = { kind: landing[1], a: m[1] && decodeURIComponent(m[1]), b: m[2] && decodeURIComponent(m[2]), query: new URLSearchParams(location.search) };
      mod = await import('./pages/landing.js');
    } else {
      const path = (location.hash.replace(/^#/, '') || '/').replace(/\/+$/, '') || '/';
      let found = null;
      for (const [pattern, file, auth, level] of routes) {
        const p = match(pattern, path);
        if (p) { found = { file, auth, level }; params = p; break; }
      }
      if (!found) mod = { render: () => h('div', {}, h('h1', {}, 'Page not found'), h('p', {}, h('a', { href: '/#/' }, 'Go home'))) };
      else if (found.auth && !ctx.account) { go('/signin'); return; }
      else if (found.auth && ctx.problem === 'consentLacking') mod = await import('./pages/consent.js');
      else if (found.auth && ctx.level < found.level) mod = { render: () => h('div', {}, h('h1', {}, 'No access'), h('p', {}, 'This page is for staff of a higher level.')) };
      else mod = await import(found.file);
    }
    if (stale()) return;
    nav();
    const node = await mod.render(ctx, params);
    if (stale()) return;
    main.replaceChildren(node);
    const h1 = main.querySelector('h1');
    if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: true }); document.title = h1.textContent + ' · Bobbin'; }
  } catch (e) {
    if (stale()) return;
    console.error(e);
    nav();
    main.replaceChildren(h('h1', {}, 'Something went wrong'), h('p', { class: 'error' }, e.message || String(e)));
  }
  document.body.dataset.ready = 'true';
  if (!performance.getEntriesByName('bobbin-ready').length) performance.mark('bobbin-ready'); // first page interactive
}

addEventListener('hashchange', () => { if (!going) say(''); going = false; route(); });
route();
