import { call, languages } from '../api.js';
import { h, field, form, select } from '../dom.js';

export async function render() {
  const out = h('div', { role: 'status', id: 'signup-done' });
  const lang = (navigator.language || 'en').slice(0, 2);
  const f = form({ id: 'signup-form', 'aria-label': 'Sign up' }, [
    field('Email', { name: 'email', type: 'email', autocomplete: 'email', required: true, id: 'signup-email' }),
    select('Language of our mails', { name: 'language' }, Object.entries(languages), languages[lang] ? lang : 'en'),
  ], 'Sign up', async (v) => {
    await call('POST', '/signup', { email: v.email.trim(), language: v.language }, { auth: false });
    f.hidden = true;
    out.replaceChildren(h('h2', {}, 'Check your mail'),
      h('p', {}, 'We sent a link to ', h('strong', {}, v.email.trim()), '. Open it to confirm your account. ',
        'If you already have an account, the mail holds a sign-in link instead.'));
  });
  return h('div', { class: 'narrow' }, h('h1', {}, 'Sign up'),
    h('p', {}, 'Sign up with your email. No password needed now: you set one after confirming, if you want one.'),
    f, out, h('p', {}, 'Have an account? ', h('a', { href: '/#/signin' }, 'Sign in')));
}
