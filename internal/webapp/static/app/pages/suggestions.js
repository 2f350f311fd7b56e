// Curators: review suggested curated sets and option packs.
import { call } from '../api.js';
import { h, section, say, button, when } from '../dom.js';

async function kind(title, path) {
  const box = h('div', {});
  async function list() {
    const items = (await call('GET', path)).suggestions || [];
    box.replaceChildren(items.length ? h('ul', { class: 'list' }, items.map((s) => h('li', {},
      h('strong', {}, (s.data && s.data.name) || s.id), ' ', h('span', { class: 'muted' }, 'by user ' + s.userId + ' · ' + when(s.createdAt)),
      h('details', {}, h('summary', {}, 'Details'), h('pre', {}, JSON.stringify(s.data, null, 2))),
      button('Dismiss', async () => { await call('DELETE', path + '/' + encodeURIComponent(s.id)); say('Suggestion removed.'); await list(); }, { class: 'secondary small' }))))
      : h('p', {}, 'Nothing to review.'));
  }
  await list();
  return section(title, box);
}

export async function render() {
  return h('div', {}, h('h1', {}, 'Suggestions'),
    h('p', {}, 'Turn a good suggestion into a curated set or option pack on its page, then dismiss it here.'),
    await kind('Suggested sets', '/suggested-sets'), await kind('Suggested option packs', '/suggested-packs'));
}
