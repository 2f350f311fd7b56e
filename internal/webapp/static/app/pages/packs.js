// Curators: option packs (create, delete); each opens for editing
// (pages/pack.js).
import { call } from '../api.js';
import { h, field, form, section, say, button } from '../dom.js';
import { readOptions } from './pack.js';

export async function render(ctx) {
  const box = h('div', { id: 'packs-list' });
  async function list() {
    const packs = (await call('GET', '/option-packs', undefined, { auth: false })).optionPacks || [];
    box.replaceChildren(packs.length ? h('ul', { class: 'list' }, packs.map((p) => h('li', {},
      h('a', { href: '/#/staff/packs/' + p.id, class: 'pack-link' }, h('strong', {}, p.nameEn || '(no English name)')), ' ', h('span', { class: 'muted' }, p.design + ' · ' + Object.keys(p.options || {}).length + ' options'), ' ',
      button('Delete', async () => { await call('DELETE', '/option-packs/' + p.id); say('Option pack deleted.'); await list(); }, { class: 'danger small', 'aria-label': 'Delete ' + (p.nameEn || p.id) }))))
      : h('p', {}, 'No option packs yet.'));
  }
  await list();
  return h('div', {}, h('h1', {}, 'Option packs'),
    section('New option pack', form({ id: 'pack-form' }, [
      field('Design', { name: 'design', required: true }),
      field('Name (English)', { name: 'nameEn', required: true }),
      field('Options (JSON)', { name: 'options', type: 'textarea', rows: 4, value: '{}', class: 'mono', spellcheck: 'false' }),
    ], 'Create', async (v) => {
      const options = readOptions(v.options);
      const p = (await call('POST', '/option-packs', { design: v.design.trim(), nameEn: v.nameEn.trim(), options })).optionPack;
      ctx.go('/staff/packs/' + p.id);
    })),
    section('All option packs', box));
}
