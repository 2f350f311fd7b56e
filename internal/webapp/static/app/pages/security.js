// Security: password, email change, two-factor sign-in (TOTP), sessions,
// and the security log.
import { call } from '../api.js';
import { h, field, form, section, say, button, when, copyButton } from '../dom.js';

function mfaSection(ctx, a) {
  const box = h('div', { id: 'mfa-box' });
  const off = () => box.replaceChildren(
    h('p', {}, 'Two-factor sign-in is ', h('strong', { id: 'mfa-state' }, 'off'), '. With it on, signing in also asks for a code from an authenticator app.'),
    button('Set up two-factor sign-in', start, { id: 'mfa-start' }));
  const on = () => box.replaceChildren(
    h('p', {}, 'Two-factor sign-in is ', h('strong', { id: 'mfa-state' }, 'on'), '.'),
    form({ id: 'mfa-off-form', 'aria-label': 'Turn two-factor sign-in off' }, [
      field('Password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
      field('Authenticator code', { name: 'token', inputmode: 'numeric', autocomplete: 'one-time-code', required: true }),
    ], 'Turn two-factor sign-in off', async (v) => {
      await call('POST', '/account/mfa', { mfa: false, password: v.password, token: v.token.trim() });
      say('Two-factor sign-in is off.');
      off();
    }));
  async function start() {
    const m = (await call('POST', '/account/mfa', { mfa: true })).mfa;
    const qr = 'data:image/svg+xml;base64,' + btoa(unescape(encodeURIComponent(m.qrcode)));
    const secret = h('code', { id: 'mfa-secret' }, m.secret);
    box.replaceChildren(
      h('ol', {},
        h('li', {}, 'Scan this code with your authenticator app:', h('br'), h('img', { src: qr, alt: 'QR code for your authenticator app; the key is also written below', width: 200, height: 200, class: 'qr' })),
        h('li', {}, 'Or type this key into the app: ', secret, ' ', copyButton(m.secret, secret, 'Copy key')),
        h('li', {}, 'Then enter the code the app shows:')),
      form({ id: 'mfa-confirm-form', 'aria-label': 'Confirm two-factor sign-in' }, [
        field('Code from the app', { name: 'token', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, id: 'mfa-code', pattern: '[0-9 ]{6,8}' }),
      ], 'Turn two-factor sign-in on', async (v) => {
        const r = await call('POST', '/account/mfa', { mfa: true, secret: m.secret, token: v.token.replace(/\s/g, '') });
        const codes = h('pre', { id: 'scratch-codes' }, r.scratchCodes.join('\n'));
        box.replaceChildren(
          h('p', {}, 'Two-factor sign-in is ', h('strong', { id: 'mfa-state' }, 'on'), '.'),
          h('h3', {}, 'Your scratch codes'),
          h('p', {}, 'Each code signs you in once when you do not have your phone. Keep them somewhere safe: they are shown only now.'),
          codes, copyButton(r.scratchCodes.join('\n'), codes, 'Copy codes'),
          h('p', {}, button('Done', () => on())));
        say('Two-factor sign-in is on.');
      }));
    box.querySelector('#mfa-code').focus();
  }
  a.mfaEnabled ? on() : off();
  return section('Two-factor sign-in', box);
}

async function auditSection() {
  const list = h('tbody', {});
  const table = h('table', { id: 'audit' }, h('caption', {}, 'Recent security events, newest first'),
    h('thead', {}, h('tr', {}, ['When', 'Event', 'How', 'Address', 'Detail'].map((t) => h('th', { scope: 'col' }, t)))), list);
  try {
    const r = await call('GET', '/account/audit');
    for (const e of r.events || []) list.append(h('tr', {}, h('td', {}, when(e.at)), h('td', {}, e.event), h('td', {}, e.method), h('td', {}, e.ip), h('td', {}, e.detail)));
    if (!(r.events || []).length) list.append(h('tr', {}, h('td', { colspan: 5 }, 'Nothing yet.')));
  } catch (e) {
    list.append(h('tr', {}, h('td', { colspan: 5, class: 'error' }, e.message)));
  }
  return section('Security log', h('div', { class: 'scroll' }, table));
}

export async function render(ctx) {
  const a = (await call('GET', '/account')).account;
  return h('div', {},
    h('h1', {}, 'Security'),
    section('Password',
      form({ id: 'password-form' }, [
        h('input', { type: 'text', name: 'user', autocomplete: 'username', value: a.email, hidden: true, 'aria-hidden': 'true', tabindex: -1 }),
        field('New password', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8, id: 'new-password' }, 'At least 8 characters; a few words make a good one.'),
        field('Current password', { name: 'current', type: 'password', autocomplete: 'current-password', id: 'current-password' }, 'Needed when you have one, unless you signed in less than 15 minutes ago.'),
      ], 'Set password', async (v) => {
        const body = { password: v.password };
        if (v.current) body.currentPassword = v.current;
        await call('PATCH', '/account', body);
        say('Password set. Your other sessions were signed out.');
        ctx.refresh();
      })),
    section('Email address',
      h('p', {}, 'Now: ', h('strong', {}, a.email)),
      form({ id: 'email-form' }, [
        field('New email address', { name: 'email', type: 'email', autocomplete: 'email', required: true }),
      ], 'Change email', async (v, f) => {
        await call('PATCH', '/account', { email: v.email.trim() });
        f.reset();
        say('We mailed a link to the new address. The change happens when you open it (signed in).');
      })),
    mfaSection(ctx, a),
    section('Sessions',
      h('p', {}, 'Sign out on every device and browser where you are signed in, this one included. API keys keep working.'),
      button('Sign out everywhere', () => ctx.signOut(true), { id: 'signout-all', class: 'danger' })),
    await auditSection());
}

