// Measurement sets: list and create.
import { call } from '../api.js';
import { h, field, form, section, when } from '../dom.js';

export async function render(ctx) {
  const sets = (await call('GET', '/sets')).sets || [];
  return h('div', {}, h('h1', {}, 'Measurement sets'),
    section('New set', form({ id: 'set-form', 'aria-label': 'Create a set' }, [
      field('Name', { name: 'name', required: true, id: 'set-name' }, 'Whose measurements these are, e.g. "Me" or "Sam".'),
    ], 'Create set', async (v) => {
      const s = (await call('POST', '/sets', { name: v.name.trim(), imperial: !!ctx.account.imperial })).set;
      ctx.go('/sets/' + s.id);
    })),
    section('Your sets', sets.length
      ? h('ul', { class: 'list', id: 'set-list' }, sets.map((s) => h('li', {},
        h('a', { href: '/#/sets/' + s.id }, s.name || '(no name)'), ' ',
        h('span', { class: 'muted' }, Object.keys(s.measies || {}).length + ' measurements · ' + (s.public ? 'public' : 'private') + ' · changed ' + when(s.updatedAt)))))
      : h('p', {}, 'No sets yet.')));
}
