// Your data: consent, export, restrict, delete.
import { call, setToken } from '../api.js';
import { h, form, section, say, field, check } from '../dom.js';

export async function render(ctx) {
  const a = (await call('GET', '/account')).account;
  const exportOut = h('div', { id: 'export-out' });
  return h('div', {},
    h('h1', {}, 'Your data'),
    section('Consent',
      form({ id: 'consent-form' }, [h('fieldset', {}, h('legend', {}, 'What may we keep?'),
        [[1, 'My account data only'], [2, 'My account data and my measurements'], [3, 'That, and use my measurements anonymously for research']].map(([v, t]) =>
          h('div', { class: 'check' }, h('input', { type: 'radio', name: 'consent', value: String(v), id: 'c' + v, checked: a.consent === v }), h('label', { for: 'c' + v }, t))))],
      'Save consent', async (v) => {
        await call('PATCH', '/account', { consent: Number(v.consent) });
        say('Consent saved.');
      })),
    section('Export',
      h('p', {}, 'Download everything your account holds, as one JSON document.'),
      form({ id: 'export-form' }, [], 'Prepare my export', async () => {
        const r = await call('GET', '/account/export');
        const text = JSON.stringify(r.data, null, 2);
        const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
        exportOut.replaceChildren(h('p', {}, h('a', { href: url, download: 'bobbin-export-' + a.username + '.json', id: 'export-link' }, 'Download the export'),
          ' (' + Math.ceil(text.length / 1024) + ' KB)'),
          h('details', {}, h('summary', {}, 'Show it here'), h('pre', { id: 'export-preview' }, text)));
      }), exportOut),
    section('Restrict processing',
      h('p', {}, 'Restricting your account stops all processing of your data: you will be signed out and cannot use the account until support lifts it.'),
      form({ id: 'restrict-form' }, [check('I understand: restrict my account', { name: 'sure', required: true })], 'Restrict my account', async (v) => {
        if (!v.sure) throw new Error('Tick the box to confirm.');
        await call('GET', '/account/restrict');
        setToken('');
        say('Your account is restricted.');
        ctx.go('/signin');
      })),
    section('Delete account',
      h('p', {}, 'This deletes your account and everything it owns, at once and for good.'),
      form({ id: 'delete-form' }, [field('Type your username to confirm', { name: 'confirm', required: true, autocomplete: 'off' })], 'Delete my account', async (v) => {
        if (v.confirm.trim() !== a.username) throw new Error('Type your username, ' + a.username + ', to confirm.');
        await call('DELETE', '/account');
        setToken('');
        say('Your account is deleted.');
        ctx.go('/signup');
      })));
}
