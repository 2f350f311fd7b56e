// Support: find users.
import { call } from '../api.js';
import { h, field, form, section } from '../dom.js';

export async function render() {
  const out = h('div', { id: 'user-results' });
  return h('div', {}, h('h1', {}, 'Users'),
    section('Search', form({ id: 'user-search', role: 'search' }, [
      field('Username part, exact email or id', { name: 'q', required: true, id: 'user-q' }),
    ], 'Search', async (v) => {
      const users = (await call('POST', '/admin/search/users', { q: v.q.trim() })).users || [];
      out.replaceChildren(users.length ? h('ul', { class: 'list' }, users.map((u) => h('li', {},
        h('a', { href: '/#/staff/users/' + u.id }, u.username), ' ', h('span', { class: 'muted' }, u.email + ' · ' + u.role + ' · status ' + u.status))))
        : h('p', {}, 'No user found.'));
    }), out));
}
