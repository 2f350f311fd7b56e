// Support reads one user; admins change role and status.
import { call, roles } from '../api.js';
import { h, form, select, check, section, say, when } from '../dom.js';

// The statuses an admin may set (the API refuses 0: an admin cannot
// unconfirm an account); an unconfirmed account shows 0 until changed.
const statuses = [[1, '1: active'], [-1, '-1: restricted'], [-2, '-2: disabled']];
const unconfirmed = [0, '0: not confirmed (cannot be set)'];

export async function render(ctx, p) {
  const r = await call('GET', '/admin/user/' + encodeURIComponent(p.id));
  const u = r.user;
  const facts = h('dl', { class: 'facts', id: 'user-facts' });
  const draw = (u) => facts.replaceChildren(
    h('dt', {}, 'Id'), h('dd', {}, String(u.id)), h('dt', {}, 'Email'), h('dd', {}, u.email),
    h('dt', {}, 'Role'), h('dd', { id: 'user-role' }, u.role), h('dt', {}, 'Status'), h('dd', { id: 'user-status' }, String(u.status)),
    h('dt', {}, 'Two-factor'), h('dd', {}, u.mfaEnabled ? 'on' : 'off'), h('dt', {}, 'Last seen'), h('dd', {}, when(u.lastSeen)),
    h('dt', {}, 'Owns'), h('dd', {}, (r.sets || []).length + ' sets, ' + (r.patterns || []).length + ' patterns, ' + (r.apikeys || []).length + ' API keys'));
  draw(u);
  const self = ctx.account && ctx.account.id === u.id;
  const admin = ctx.level >= 9 && !self && form({ id: 'user-admin' }, [
    select('Role', { name: 'role', id: 'admin-role' }, roles.map((x) => [x, x]), u.role),
    select('Status', { name: 'status', id: 'admin-status' }, u.status === 0 ? [unconfirmed, ...statuses] : statuses, u.status),
    u.mfaEnabled && check('Turn their two-factor sign-in off (they lost their phone and codes)', { name: 'mfaOff', id: 'admin-mfa-off' }),
  ], 'Save', async (v) => {
    const body = {};
    if (v.role !== u.role) body.role = v.role;
    if (Number(v.status) !== u.status) body.status = Number(v.status);
    if (v.mfaOff) body.mfaEnabled = false;
    const changed = (await call('PATCH', '/admin/user/' + u.id, body)).user;
    Object.assign(u, changed);
    draw(u);
    say('Saved: ' + changed.username + ' is now ' + changed.role + ', status ' + changed.status + '.');
  });
  return h('div', {}, h('p', {}, h('a', { href: '/#/staff/users' }, '← Search')),
    h('h1', {}, u.username), section('Account', facts), admin && section('Role and status (admin)', admin),
    ctx.level >= 9 && self && h('p', { class: 'muted', id: 'user-self' }, 'This is your own account: its role and status are not changed here (another admin can).'));
}
