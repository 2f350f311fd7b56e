// Curators: curated measurement sets (create, publish, delete); each
// opens for editing (pages/curatedset.js).
import { call } from '../api.js';
import { h, field, form, check, section, say, button, when } from '../dom.js';

export async function render(ctx) {
  const box = h('div', { id: 'curated-list' });
  async function list() {
    const sets = (await call('GET', '/curated-sets')).curatedSets || [];
    box.replaceChildren(sets.length ? h('ul', { class: 'list' }, sets.map((c) => h('li', {},
      h('a', { href: '/#/staff/curated/' + c.id, class: 'cset-link' }, h('strong', {}, c.nameEn || '(no English name)')), ' ', h('span', { class: 'muted' }, (c.published ? 'published' : 'draft') + ' · ' + Object.keys(c.measies || {}).length + ' measurements · ' + when(c.updatedAt)), ' ',
      button(c.published ? 'Unpublish' : 'Publish', async () => { await call('PATCH', '/curated-sets/' + c.id, { published: !c.published }); await list(); }, { class: 'secondary small' }), ' ',
      button('Delete', async () => { await call('DELETE', '/curated-sets/' + c.id); say('Curated set deleted.'); await list(); }, { class: 'danger small', 'aria-label': 'Delete ' + (c.nameEn || c.id) }))))
      : h('p', {}, 'No curated sets yet.'));
  }
  await list();
  return h('div', {}, h('h1', {}, 'Curated sets'),
    section('New curated set', form({ id: 'curated-form' }, [
      field('Name (English)', { name: 'nameEn', required: true }),
      field('Notes (English)', { name: 'notesEn', type: 'textarea', rows: 2 }),
      check('Published', { name: 'published' }),
    ], 'Create', async (v, f) => {
      await call('POST', '/curated-sets', { nameEn: v.nameEn.trim(), notesEn: v.notesEn, published: v.published });
      f.reset();
      await list();
    })),
    section('All curated sets', box));
}
