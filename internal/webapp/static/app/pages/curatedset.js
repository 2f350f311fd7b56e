// Curators: one curated set — names and notes per language, height,
// published, and its measurements (in the curator's units, kept in mm),
// saved with PATCH /curated-sets/{id}/jwt.
import { call } from '../api.js';
import { h, field, form, check, section, say } from '../dom.js';
import { measurementNames, label, unit, show, toMM } from './units.js';
import { nameFields, nameValues } from './names.js';
import { deleteSection } from './deleting.js';

export async function render(ctx, p) {
  const c = (await call('GET', '/curated-sets/' + encodeURIComponent(p.id))).curatedSet;
  c.measies = c.measies || {};
  const imperial = !!ctx.account.imperial;
  const names = await measurementNames();
  const title = c.nameEn || 'Curated set ' + c.id;
  const inputs = names.map((n) => field(label(n) + ' (' + unit(n, imperial) + ')',
    { name: 'm.' + n, value: show(n, c.measies[n], imperial), inputmode: 'decimal', id: 'cm-' + n, autocomplete: 'off' }));
  return h('div', {}, h('p', {}, h('a', { href: '/#/staff/curated' }, '← All curated sets')),
    h('h1', {}, title),
    section('Names, notes, height', form({ id: 'cset-meta' }, [
      ...nameFields('cset', c),
      field('Height (cm)', { name: 'height', value: c.height ? String(c.height) : '', inputmode: 'numeric', id: 'cset-height' }, 'The height of the person measured, a whole number of centimetres.'),
      check('Published: listed for everyone', { name: 'published', checked: c.published, id: 'cset-published' }),
    ], 'Save', async (v) => {
      const body = { published: v.published, ...nameValues(v) };
      const ht = v.height.trim();
      if (ht !== '') {
        body.height = Number(ht);
        if (!Number.isInteger(body.height) || body.height < 0) throw new Error('The height must be a whole number of centimetres.');
      } else body.height = 0;
      Object.assign(c, (await call('PATCH', '/curated-sets/' + c.id, body)).curatedSet);
      say('Curated set saved.');
    })),
    section('Measurements',
      h('p', { class: 'hint' }, 'In ' + (imperial ? 'inches' : 'centimetres') + ' as your account says. Empty a field to remove it.'),
      form({ id: 'cset-measies', class: 'grid' }, inputs, 'Save measurements', async (v) => {
        const measies = {};
        for (const n of names) {
          const mm = toMM(n, v['m.' + n] || '', imperial);
          if (Number.isNaN(mm)) throw new Error(label(n) + ': not a number.');
          if (mm === null) { if (c.measies[n] !== undefined) measies[n] = null; } else if (mm !== c.measies[n]) measies[n] = mm;
        }
        c.measies = (await call('PATCH', '/curated-sets/' + c.id, { measies })).curatedSet.measies;
        say('Measurements saved (' + Object.keys(c.measies).length + ').');
      })),
    deleteSection(ctx, 'curated set', '/curated-sets/' + c.id, '/staff/curated', 'cset-delete'));
}
