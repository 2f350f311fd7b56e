// Shown instead of any page while the account lacks consent (the API
// answers 451 consentLacking): PATCH /consent/jwt gives it and answers a
// fresh token.
import { call, setToken } from '../api.js';
import { h, form } from '../dom.js';

export function consentChoices(current) {
  const opts = [
    [1, 'Keep my account data (needed for an account).'],
    [2, 'Also keep my measurements, to draft patterns for me.'],
  ];
  return h('fieldset', {}, h('legend', {}, 'What may we keep?'),
    opts.map(([v, t]) => h('div', { class: 'check' },
      h('input', { type: 'radio', name: 'consent', value: String(v), id: 'consent-' + v, checked: v === current }),
      h('label', { for: 'consent-' + v }, t))));
}

export async function render(ctx) {
  return h('div', { class: 'narrow' }, h('h1', {}, 'Your consent'),
    h('p', {}, 'We need your consent to keep your data before you go on.'),
    form({ id: 'consent-form' }, [consentChoices(2)], 'Save consent', async (v) => {
      const r = await call('PATCH', '/consent', { consent: Number(v.consent) });
      if (r.token) setToken(r.token);
      ctx.refresh();
    }));
}
