// Sign in. Each way to sign in is a method in `methods` below, drawn in
// order: password, passkey, the configured providers, a mailed link. A
// method is {id, title, render(ctx, done)} where done(tokenResponse)
// finishes the sign-in; render may answer null (or a promise of null) to
// draw nothing, as the passkey method does in a browser without WebAuthn
// and the providers method when the server has none.
import { call, setToken, ApiError, languages } from '../api.js';
import { h, field, form, say, button } from '../dom.js';

// finish keeps the token and opens the account.
export function finish(ctx, r) {
  setToken(r.token);
  say('Signed in as ' + r.account.username + '.');
  ctx.go('/account');
}

// signInCall is a sign-in request: its token answer, also when the
// account lacks consent (451 with a guest token: the router then shows
// the consent page before anything else).
export async function signInCall(path, body) {
  try {
    return await call('POST', path, body, { auth: false });
  } catch (e) {
    if (e instanceof ApiError && e.status === 451 && e.body && e.body.token) return e.body;
    throw e;
  }
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
        done(await signInCall('/signin', body));
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

const passkey = {
  id: 'passkey',
  title: 'With a passkey',
  render(ctx, done) {
    if (typeof window.PublicKeyCredential !== 'function' || !navigator.credentials) return null; // as webauthn.supported()
    return h('div', {},
      h('p', { class: 'hint' }, 'Your device or password manager asks for your fingerprint, face or PIN.'),
      button('Sign in with a passkey', async () => {
        const webauthn = await import('../webauthn.js'); // loaded when used: not part of the first load
        const begun = await call('POST', '/signin/passkey/begin', undefined, { auth: false });
        let credential;
        try { credential = await webauthn.get(begun.options); } catch (e) { throw new Error(webauthn.why(e)); }
        done(await signInCall('/signin/passkey/finish', { ceremony: begun.ceremony, credential }));
      }, { id: 'signin-passkey' }));
  },
};

// Provider names as people know them; a generic OpenID Connect provider
// shows its configured name, capitalised.
export const providerTitle = (p) => ({ github: 'GitHub', google: 'Google' }[p] || p.charAt(0).toUpperCase() + p.slice(1));

// startProvider sends the person to the provider; it comes back to
// /signin/callback/<provider> (pages/landing.js).
export async function startProvider(provider) {
  const lang = (navigator.language || 'en').slice(0, 2).toLowerCase();
  const r = await call('POST', '/signin/oauth/init', { provider, language: languages[lang] ? lang : 'en' }, { auth: false });
  location.assign(r.authUrl);
}

const providers = {
  id: 'providers',
  title: 'With another account',
  async render() {
    let list = [];
    try { list = (await call('GET', '/signin/providers', undefined, { auth: false })).providers || []; } catch { list = []; }
    if (!list.length) return null;
    return h('div', { class: 'buttons' }, list.map((p) =>
      button('Sign in with ' + providerTitle(p), () => startProvider(p), { class: 'secondary', id: 'signin-provider-' + p })));
  },
};

export const methods = [password, passkey, providers, link];

// A method's section shows when its render answers a node; one that
// answers a promise (providers: a request) is drawn when it arrives, so
// the password form is usable at once.
export async function render(ctx) {
  const done = (r) => finish(ctx, r);
  const sections = methods.map((m) => {
    const sec = h('section', { class: 'card', id: 'method-' + m.id, hidden: true }, h('h2', {}, m.title));
    const show = (node) => { if (node) { sec.append(node); sec.hidden = false; } };
    const r = m.render(ctx, done);
    if (r instanceof Promise) r.then(show, () => {}); else show(r);
    return sec;
  });
  return h('div', { class: 'narrow' },
    h('h1', {}, 'Sign in'),
    sections,
    h('p', {}, 'No account yet? ', h('a', { href: '/#/signup' }, 'Sign up')));
}
