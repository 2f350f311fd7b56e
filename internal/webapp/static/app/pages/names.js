// The names and notes a curated set or an option pack has in each of the
// six languages: the fields of its form and the body they make.
import { languages } from '../api.js';
import { h, field } from '../dom.js';

export const langs = ['en', 'de', 'es', 'fr', 'nl', 'uk']; // English first: it must keep a name
const cap = (l) => l.charAt(0).toUpperCase() + l.slice(1);

// nameFields draws a fieldset per language, with ids prefix-name-<l> and
// prefix-notes-<l>, filled from row (nameEn, notesDe, ...).
export function nameFields(prefix, row) {
  return langs.map((l) => h('fieldset', {}, h('legend', {}, languages[l] || l),
    field('Name (' + l + ')', { name: 'name' + cap(l), value: row['name' + cap(l)], id: prefix + '-name-' + l, required: l === 'en', lang: l }),
    field('Notes (' + l + ')', { name: 'notes' + cap(l), type: 'textarea', value: row['notes' + cap(l)], rows: 2, id: prefix + '-notes-' + l, lang: l })));
}

// nameValues is the part of a PATCH body the fields make.
export function nameValues(v) {
  const body = {};
  for (const l of langs) { body['name' + cap(l)] = v['name' + cap(l)].trim(); body['notes' + cap(l)] = v['notes' + cap(l)]; }
  return body;
}
