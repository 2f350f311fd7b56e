// One pattern: name, notes, public, settings (JSON), delete, link.
import { call } from '../api.js';
import { h, field, form, check, section, say, copyButton } from '../dom.js';
import { deleteSection } from './deleting.js';

export async function render(ctx, p) {
  const pt = (await call('GET', '/patterns/' + encodeURIComponent(p.id))).pattern;
  const publicURL = location.origin + '/patterns/' + pt.id + '.json';
  const linkBox = h('p', { id: 'public-link' });
  const drawLink = (pub) => {
    const a = h('a', { href: publicURL }, publicURL);
    linkBox.replaceChildren(...(pub ? ['Public link: ', a, ' ', copyButton(publicURL, a, 'Copy link')] : ['Private.']));
  };
  drawLink(pt.public);
  return h('div', {}, h('p', {}, h('a', { href: '/#/patterns' }, '← All patterns')),
    h('h1', {}, pt.name || pt.design),
    section('About this pattern', form({ id: 'pattern-meta' }, [
      h('p', {}, 'Design: ', h('strong', {}, pt.design)),
      field('Name', { name: 'name', value: pt.name }),
      field('Notes', { name: 'notes', type: 'textarea', value: pt.notes, rows: 3 }),
      check('Public: anyone with the link may read it', { name: 'public', checked: pt.public }),
      field('Settings (JSON)', { name: 'settings', type: 'textarea', value: JSON.stringify(pt.settings || {}, null, 2), rows: 8, class: 'mono', spellcheck: 'false' }),
    ], 'Save', async (v) => {
      let settings;
      try { settings = JSON.parse(v.settings || '{}'); } catch { throw new Error('Settings are not valid JSON.'); }
      const r = (await call('PATCH', '/patterns/' + pt.id, { name: v.name.trim(), notes: v.notes, public: v.public, settings })).pattern;
      drawLink(r.public);
      say('Pattern saved.');
    }), linkBox),
    deleteSection(ctx, 'pattern', '/patterns/' + pt.id, '/patterns', 'pattern-delete'));
}
