// API keys: create (the secret is shown once), list with last use, delete.
import { call, levelNames, roleLevel } from '../api.js';
import { h, field, form, select, section, say, button, when, copyButton } from '../dom.js';

const lifetimes = [[3600, '1 hour'], [86400, '1 day'], [604800, '1 week'], [2592000, '30 days'], [7776000, '90 days'], [31536000, '1 year']];

export async function render(ctx) {
  const own = roleLevel[ctx.account.role] ?? 4;
  const listBox = h('div', { id: 'keys' });
  const created = h('div', { id: 'key-created' });
  async function list() {
    const keys = (await call('GET', '/apikeys')).apikeys || [];
    if (!keys.length) { listBox.replaceChildren(h('p', {}, 'No API keys yet.')); return; }
    listBox.replaceChildren(h('div', { class: 'scroll' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Name', 'Level', 'Expires', 'Last used', 'Calls', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, keys.map((k) => h('tr', { dataset: { key: k.key } },
        h('td', {}, k.name, h('br'), h('code', { class: 'small' }, k.key)), h('td', {}, String(k.level)),
        h('td', {}, when(k.expiresAt)), h('td', {}, when(k.lastSeen)), h('td', {}, String(k.calls)),
        h('td', {}, button('Delete', async () => {
          await call('DELETE', '/apikeys/' + encodeURIComponent(k.key));
          say('Key ' + k.name + ' deleted.');
          await list();
        }, { class: 'danger small', 'aria-label': 'Delete key ' + k.name }))))))));
  }
  const levels = [];
  for (let l = 0; l <= Math.min(own, 9); l++) levels.push([l, l + ': ' + levelNames[l]]);
  const f = form({ id: 'key-form', 'aria-label': 'Create an API key' }, [
    field('Name', { name: 'name', required: true, id: 'key-name' }, 'What the key is for, e.g. "my sync script".'),
    select('Level', { name: 'level', id: 'key-level' }, levels, Math.min(own, 4)),
    select('Expires in', { name: 'expiresIn', id: 'key-expiry' }, lifetimes, 2592000),
  ], 'Create key', async (v, fm) => {
    const k = (await call('POST', '/apikeys', { name: v.name.trim(), level: Number(v.level), expiresIn: Number(v.expiresIn) })).apikey;
    const secret = h('code', { id: 'key-secret' }, k.secret);
    const id = h('code', { id: 'key-id' }, k.key);
    created.replaceChildren(h('div', { class: 'notice', role: 'status' },
      h('h3', {}, 'Key "' + k.name + '" created'),
      h('p', {}, 'Copy the secret now: it is shown only this once.'),
      h('dl', { class: 'facts' }, h('dt', {}, 'Key'), h('dd', {}, id, ' ', copyButton(k.key, id, 'Copy key')),
        h('dt', {}, 'Secret'), h('dd', {}, secret, ' ', copyButton(k.secret, secret, 'Copy secret', { id: 'copy-secret' }))),
      h('p', { class: 'hint' }, 'Use them as HTTP Basic credentials on the routes ending in /key, e.g. curl -u KEY:SECRET ' + location.origin + '/whoami/key')));
    fm.reset();
    await list();
  });
  await list();
  return h('div', {}, h('h1', {}, 'API keys'),
    h('p', {}, 'Keys let scripts use the API as you, up to the level you give them. A key cannot do more than your role allows.'),
    section('New key', f, created), section('Your keys', listBox));
}
