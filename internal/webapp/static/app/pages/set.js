// One measurement set: name, notes, public, measurements, delete, link.
import { call } from '../api.js';
import { h, field, form, check, section, say, copyButton } from '../dom.js';
import { measurementNames, label, unit, show, toMM } from './units.js';
import { deleteSection } from './deleting.js';

export async function render(ctx, p) {
  const s = (await call('GET', '/sets/' + encodeURIComponent(p.id))).set;
  const imperial = !!ctx.account.imperial;
  const names = await measurementNames();
  const publicURL = location.origin + '/sets/' + s.id + '.json';
  const linkBox = h('p', { id: 'public-link' });
  const drawLink = (pub) => {
    const a = h('a', { href: publicURL }, publicURL);
    linkBox.replaceChildren(...(pub ? ['Public link: ', a, ' ', copyButton(publicURL, a, 'Copy link')] : ['Private: only you (and support staff) can see it.']));
  };
  drawLink(s.public);
  const inputs = names.map((n) => field(label(n) + ' (' + unit(n, imperial) + ')',
    { name: 'm.' + n, value: show(n, s.measies[n], imperial), inputmode: 'decimal', id: 'm-' + n, autocomplete: 'off' }));
  return h('div', {}, h('p', {}, h('a', { href: '/#/sets' }, '← All sets')),
    h('h1', {}, s.name || 'Set ' + s.id),
    section('About this set', form({ id: 'set-meta' }, [
      field('Name', { name: 'name', value: s.name, required: true }),
      field('Notes', { name: 'notes', type: 'textarea', value: s.notes, rows: 3 }),
      check('Public: anyone with the link may read it', { name: 'public', checked: s.public, id: 'set-public' }),
    ], 'Save', async (v) => {
      const r = (await call('PATCH', '/sets/' + s.id, { name: v.name.trim(), notes: v.notes, public: v.public })).set;
      drawLink(r.public);
      say('Set saved.');
    }), linkBox),
    section('Measurements',
      h('p', { class: 'hint' }, 'In ' + (imperial ? 'inches' : 'centimetres') + ' as your account says; change that under Account. Empty a field to remove it.'),
      form({ id: 'measies-form', class: 'grid' }, inputs, 'Save measurements', async (v) => {
        const measies = {};
        for (const n of names) {
          const mm = toMM(n, v['m.' + n] || '', imperial);
          if (Number.isNaN(mm)) throw new Error(label(n) + ': not a number.');
          if (mm === null) { if (s.measies[n] !== undefined) measies[n] = null; } else if (mm !== s.measies[n]) measies[n] = mm;
        }
        const r = (await call('PATCH', '/sets/' + s.id, { measies })).set;
        s.measies = r.measies;
        say('Measurements saved (' + Object.keys(r.measies).length + ').');
      })),
    deleteSection(ctx, 'set', '/sets/' + s.id, '/sets', 'set-delete'));
}
