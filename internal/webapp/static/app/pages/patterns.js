// Patterns: list and create.
import { call } from '../api.js';
import { h, field, form, section, when } from '../dom.js';

export async function render(ctx) {
  const patterns = (await call('GET', '/patterns')).patterns || [];
  return h('div', {}, h('h1', {}, 'Patterns'),
    section('New pattern', form({ id: 'pattern-form', 'aria-label': 'Create a pattern' }, [
      field('Design', { name: 'design', required: true, id: 'pattern-design' }, 'The design name, e.g. aaron or simon.'),
      field('Name', { name: 'name', id: 'pattern-name' }),
    ], 'Create pattern', async (v) => {
      const p = (await call('POST', '/patterns', { design: v.design.trim(), name: v.name.trim(), settings: {} })).pattern;
      ctx.go('/patterns/' + p.id);
    })),
    section('Your patterns', patterns.length
      ? h('ul', { class: 'list', id: 'pattern-list' }, patterns.map((p) => h('li', {},
        h('a', { href: '/#/patterns/' + p.id }, p.name || p.design), ' ',
        h('span', { class: 'muted' }, p.design + ' · ' + (p.public ? 'public' : 'private') + ' · changed ' + when(p.updatedAt)))))
      : h('p', {}, 'No patterns yet.')));
}
