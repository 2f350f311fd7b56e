// Curators: one option pack — its design, names and notes in each
// language, and its options as JSON, saved with PATCH
// /option-packs/{id}/jwt (an option taken out of the JSON is sent as null,
// which removes it); delete.
import { call } from '../api.js';
import { h, field, form, section, say } from '../dom.js';
import { nameFields, nameValues } from './names.js';
import { deleteSection } from './deleting.js';

// readOptions parses the options typed: a JSON object.
export function readOptions(text) {
  let o;
  try { o = JSON.parse(text || '{}'); } catch { throw new Error('Options are not valid JSON.'); }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('Options must be a JSON object, as {"chestEase": 0.08}.');
  return o;
}

export async function render(ctx, p) {
  const pk = (await call('GET', '/option-packs/' + encodeURIComponent(p.id), undefined, { auth: false })).optionPack;
  return h('div', {}, h('p', {}, h('a', { href: '/#/staff/packs' }, '← All option packs')),
    h('h1', {}, pk.nameEn || 'Option pack ' + pk.id),
    section('Design, names, options', form({ id: 'pack-meta' }, [
      field('Design', { name: 'design', value: pk.design, required: true, id: 'pack-design' }),
      ...nameFields('pack', pk),
      field('Options (JSON)', { name: 'options', type: 'textarea', rows: 8, value: JSON.stringify(pk.options || {}, null, 2), class: 'mono', spellcheck: 'false', id: 'pack-options' },
        'The design’s option values, e.g. {"chestEase": 0.08}. An option taken out here is removed from the pack.'),
    ], 'Save', async (v) => {
      const options = readOptions(v.options);
      for (const k of Object.keys(pk.options || {})) if (!(k in options)) options[k] = null;
      Object.assign(pk, (await call('PATCH', '/option-packs/' + pk.id, { design: v.design.trim(), ...nameValues(v), options })).optionPack);
      say('Option pack saved.');
    })),
    deleteSection(ctx, 'option pack', '/option-packs/' + pk.id, '/staff/packs', 'pack-delete'));
}
