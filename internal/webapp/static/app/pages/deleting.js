// The last card of a record's page (a set, a pattern, a curated set, an
// option pack): deleting it, then back to the list it was in.
import { call } from '../api.js';
import { h, section, say, button } from '../dom.js';

// deleteSection deletes the noun ('option pack') at path with DELETE and
// opens back; id is the button's.
export function deleteSection(ctx, noun, path, back, id) {
  const a = /^[aeiou]/.test(noun) ? 'an ' : 'a ';
  return section('Delete', h('p', {}, 'Deleting ' + a + noun + ' cannot be undone.'),
    button('Delete this ' + noun, async () => {
      await call('DELETE', path);
      say(noun.charAt(0).toUpperCase() + noun.slice(1) + ' deleted.');
      ctx.go(back);
    }, { class: 'danger', id }));
}
