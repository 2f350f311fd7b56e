// Sign in. Each way to sign in is a method in `methods` below, drawn in
// order; the password form and the mailed link are there today. Passkeys
// (WebAuthn) and identity providers are added as further entries: a
// method is {id, title, render(ctx, done)} where done(tokenResponse)
// finishes the sign-in. Nothing is shown for a way the server lacks.
import { call, setToken, ApiError } from '../api.js';
import { h, field, form, say } from '../dom.js';

// finish keeps the token and opens the account.
export function finish(ctx, r) {
  setToken(r.token);
  say('Signed in as ' + r.account.username + '.');
  ctx.go('/account');
}

const password = {
  id: 'password',
  title: 'With your password',
  render(ctx, done) {
    const mfa = field('Authenticator code', { name: 'token', inputmode: 'numeric', autocomplete: 'one-time-code', id: 'signin-mfa' },
      'Six digits from your authenticator app, or one of your scratch codes.');
    mfa.hidden = true;
    return form({ id: 'signin-form', 'aria-label': 'Sign in with password' }, [
      field('Email or username', { name: 'username', autocomplete: 'username', required: true, id: 'signin-username' }),
      field('Password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, id: 'signin-password' }),
      mfa,
    ], 'Sign in', async (v) => {
      const body = { username: v.username.trim(), password: v.password };
      if (!mfa.hidden && v.token.trim()) body.token = v.token.trim();
      try {
        done(await call('POST', '/signin', body, { auth: false }));
      } catch (e) {
        if (e instanceof ApiError && e.code === 'mfaTokenRequired') {
          mfa.hidden = false;
          mfa.querySelector('input').focus();
        }
        throw e;
      }
    });
  },
};

const link = {
  id: 'link',
  title: 'With a link by email',
  render() {
    const out = h('p', { role: 'status', id: 'link-sent' });
    return h('div', {}, form({ id: 'signinlink-form', 'aria-label': 'Mail me a sign-in link' }, [
      field('Email or username', { name: 'username', autocomplete: 'username', required: true, id: 'link-username' }),
    ], 'Mail me a link', async (v) => {
      await call('POST', '/signinlink', { username: v.username.trim() }, { auth: false });
      out.textContent = 'If that account exists, a sign-in link is on its way. It works once, for a short while.';
    }), out);
  },
};

// The hook for passkeys and providers: push methods here (see above).
export const methods = [password, link];

export async function render(ctx) {
  const done = (r) => finish(ctx, r);
  return h('div', { class: 'narrow' },
    h('h1', {}, 'Sign in'),
    methods.map((m) => h('section', { class: 'card', id: 'method-' + m.id }, h('h2', {}, m.title), m.render(ctx, done))),
    h('p', {}, 'No account yet? ', h('a', { href: '/#/signup' }, 'Sign up')));
}
