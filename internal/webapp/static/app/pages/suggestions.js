// Curators: review suggested curated sets and option packs. A suggested
// set becomes an unpublished curated set in one request (POST
// /curated-sets/from/{id}); a suggested pack becomes an option pack
// (POST /option-packs, then the suggestion is removed); either opens for
// editing. Dismiss removes a suggestion.
import { call, ApiError } from '../api.js';
import { h, section, say, button, when } from '../dom.js';

const kinds = {
  set: {
    title: 'Suggested sets', path: '/suggested-sets', accept: 'Make a curated set',
    summary: (d) => 'height ' + (d.height || '?') + ' · ' + Object.keys(d.measies || {}).length + ' measurements',
    async make(ctx, s) {
      const c = (await call('POST', '/curated-sets/from/' + encodeURIComponent(s.id))).curatedSet;
      say('Curated set made from the suggestion (unpublished).');
      ctx.go('/staff/curated/' + c.id);
    },
  },
  pack: {
    title: 'Suggested option packs', path: '/suggested-packs', accept: 'Make an option pack',
    summary: (d) => (d.design || '?') + ' · ' + Object.keys(d.options || {}).length + ' options',
    async make(ctx, s) {
      const d = s.data || {};
      const p = (await call('POST', '/option-packs', { design: d.design, nameEn: d.name || d.design, notesEn: d.notes || '', options: d.options || {} })).optionPack;
      try {
        await call('DELETE', '/suggested-packs/' + encodeURIComponent(s.id));
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 404) { // 404: another curator removed it meanwhile
          say('The option pack was made, but the suggestion is still listed: dismiss it. (' + e.message + ')', true);
          ctx.go('/staff/packs/' + p.id);
          return;
        }
      }
      say('Option pack made from the suggestion.');
      ctx.go('/staff/packs/' + p.id);
    },
  },
};

async function kind(ctx, k) {
  const box = h('div', { id: 'suggested-' + (k === kinds.set ? 'sets' : 'packs') });
  async function list() {
    const items = (await call('GET', k.path)).suggestions || [];
    box.replaceChildren(items.length ? h('ul', { class: 'list' }, items.map((s) => {
      const d = s.data || {}, name = d.name || s.id;
      return h('li', { dataset: { id: s.id } },
        h('strong', {}, name), ' ', h('span', { class: 'muted' }, k.summary(d) + ' · by user ' + s.userId + ' · ' + when(s.createdAt)),
        d.notes && h('p', {}, d.notes),
        h('details', {}, h('summary', {}, 'Everything suggested'), h('pre', {}, JSON.stringify(d, null, 2))),
        h('div', { class: 'buttons' },
          button(k.accept, () => k.make(ctx, s), { 'aria-label': k.accept + ' from ' + name }),
          button('Dismiss', async () => { await call('DELETE', k.path + '/' + encodeURIComponent(s.id)); say('Suggestion removed.'); await list(); },
            { class: 'secondary', 'aria-label': 'Dismiss ' + name })));
    })) : h('p', {}, 'Nothing to review.'));
  }
  await list();
  return section(k.title, box);
}

export async function render(ctx) {
  return h('div', {}, h('h1', {}, 'Suggestions'),
    h('p', {}, 'People suggest their measurements as curated sets, and option packs for a design. Make one into a curated set or option pack (then edit it there), or dismiss it.'),
    await kind(ctx, kinds.set), await kind(ctx, kinds.pack));
}
