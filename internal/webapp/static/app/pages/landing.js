// The pages that mail links open. Opening one changes nothing (a link
// scanner that fetches it does no harm); each says what it will do and
// does it on one click, through the JSON API. One more lands here: the
// provider's redirect back (/signin/callback/<provider>?state&code),
// which finishes the sign-in on open, since its code is single-use and
// only the person who just left for the provider has it.
import { call, setToken, token, ApiError } from '../api.js';
import { h, field, form, button, say } from '../dom.js';
import { consentChoices } from './consent.js';
import { methods, finish, signInCall, startProvider, providerTitle } from './signin.js';

const MFA = 'bobbin.oauthMfa'; // the code typed before going round again

export async function render(ctx, p) {
  const page = (title, ...body) => h('div', { class: 'narrow' }, h('h1', {}, title), ...body);
  switch (p.kind) {
    case 'signup': {
      try {
        await call('GET', `/confirmations/${encodeURIComponent(p.a)}/${encodeURIComponent(p.b)}`, undefined, { auth: false });
      } catch (e) {
        return page('Confirm your account', h('p', { class: 'error', role: 'alert' }, e.message), h('p', {}, h('a', { href: '/#/signup' }, 'Sign up again')));
      }
      return page('Confirm your account',
        h('p', {}, 'One step left: tell us what we may keep, and confirm.'),
        form({ id: 'confirm-form' }, [consentChoices(2)], 'Confirm my account', async (v) => {
          const r = await call('POST', `/confirm/signup/${encodeURIComponent(p.a)}`, { consent: Number(v.consent) }, { auth: false });
          setToken(r.token);
          say('Your account is confirmed. You can set a password below, or sign in with a mailed link each time.');
          ctx.go('/account/security');
        }));
    }
    case 'signinlink': {
      const mfa = field('Authenticator code', { name: 'token', inputmode: 'numeric', autocomplete: 'one-time-code', id: 'link-mfa' });
      mfa.hidden = true;
      return page('Sign in with your link',
        h('p', {}, 'This link signs you in once. Press the button to go on.'),
        form({ id: 'link-form' }, [mfa], 'Sign in', async (v) => {
          const body = mfa.hidden ? {} : { token: (v.token || '').trim() };
          try {
            finish(ctx, await call('POST', `/signinlink/${encodeURIComponent(p.a)}/${encodeURIComponent(p.b)}`, body, { auth: false }));
          } catch (e) {
            if (e instanceof ApiError && e.code === 'mfaTokenRequired') { mfa.hidden = false; mfa.querySelector('input').focus(); }
            throw e;
          }
        }));
    }
    case 'emailchange': {
      const confirm = form({ id: 'emailchange-form' }, [], 'Use my new address', async () => {
        const r = await call('PATCH', '/account', { confirm: 'emailchange', confirmation: p.a, check: p.b });
        say('Your email address is now ' + r.account.email + '.');
        ctx.go('/account');
      });
      if (token() && ctx.account) return page('Confirm your new email', h('p', {}, 'Press the button to make the new address the one of your account.'), confirm);
      return page('Confirm your new email',
        h('p', {}, 'Sign in first (in this tab), then confirm the change.'),
        methods[0].render(ctx, (r) => { setToken(r.token); ctx.refresh(); }));
    }
    case 'oauth': {
      const provider = p.a, q = p.query, name = providerTitle(provider);
      const title = 'Signing in with ' + name;
      const again = () => h('p', {}, button('Try again with ' + name, () => startProvider(provider), { id: 'oauth-again', class: 'secondary' }), ' ', h('a', { href: '/#/signin' }, 'Other ways to sign in'));
      if (q.get('error') || !q.get('state') || !q.get('code')) {
        return page(title, h('p', { class: 'error', role: 'alert' }, name + ' did not sign you in' + (q.get('error') ? ' (' + q.get('error') + ').' : '.')), again());
      }
      const body = { provider, state: q.get('state'), code: q.get('code') };
      const mfaToken = sessionStorage.getItem(MFA);
      sessionStorage.removeItem(MFA);
      if (mfaToken) body.token = mfaToken;
      history.replaceState(null, '', location.pathname); // the code is used up: not in the history
      try {
        finish(ctx, await signInCall('/signin/oauth', body));
        return page(title, h('p', {}, 'Signed in.'));
      } catch (e) {
        if (e instanceof ApiError && e.code === 'mfaTokenRequired') {
          // The state is used up: ask for the code, then go round again.
          return page(title, h('p', {}, 'Your account has two-factor sign-in on. Enter your code, and ' + name + ' is asked once more.'),
            form({ id: 'oauth-mfa-form' }, [field('Authenticator code', { name: 'token', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, id: 'oauth-mfa' })],
              'Continue', async (v) => {
                sessionStorage.setItem(MFA, v.token.trim());
                await startProvider(provider);
              }));
        }
        return page(title, h('p', { class: 'error', role: 'alert', id: 'oauth-error' }, e.message), again());
      }
    }
    case 'newsletter': {
      const id = p.query.get('id') || '', ehash = p.query.get('ehash') || '';
      const done = h('p', { role: 'status', id: 'newsletter-done' });
      return page('Confirm your subscription', h('p', {}, 'Press the button to start receiving the newsletter.'),
        button('Subscribe', async (b) => {
          await call('PUT', '/subscriber', { id, ehash }, { auth: false });
          done.textContent = 'You are subscribed. Every newsletter has a link to unsubscribe.';
          b.hidden = true;
        }, { id: 'newsletter-confirm' }), done);
    }
    case 'unsubscribe': {
      const done = h('p', { role: 'status', id: 'unsubscribe-done' });
      return page('Unsubscribe', h('p', {}, 'Press the button to stop receiving the newsletter.'),
        button('Unsubscribe', async (b) => {
          const ehash = p.a || new URLSearchParams(location.search).get('i') || '';
          await call('POST', `/ocunsub/${encodeURIComponent(ehash)}`, undefined, { auth: false });
          done.textContent = 'You are unsubscribed.';
          b.hidden = true;
        }, { id: 'unsubscribe-confirm' }), done);
    }
  }
  return page('Unknown link');
}
