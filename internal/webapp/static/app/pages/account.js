// The account: profile and preferences (PATCH /account/jwt), passkeys
// (/passkeys) and linked sign-in providers (/account/providers).
import { call, languages, levelNames, roleLevel } from '../api.js';
import { h, field, form, select, check, section, say, when, button } from '../dom.js';
import * as webauthn from '../webauthn.js';
import { providerTitle } from './signin.js';

// passkeysSection lists the account's passkeys, adds one (the browser's
// create ceremony with the API's options) and deletes one.
function passkeysSection() {
  const list = h('div', { id: 'passkey-list' });
  async function draw() {
    const keys = (await call('GET', '/passkeys')).passkeys || [];
    list.replaceChildren(keys.length ? h('ul', { class: 'list' }, keys.map((k) => h('li', { dataset: { id: String(k.id) } },
      h('strong', { class: 'passkey-name' }, k.name), ' ',
      h('span', { class: 'muted' }, 'added ' + when(k.createdAt) + ' · last used ' + when(k.lastUsedAt) + (k.backedUp ? ' · synced' : '')), ' ',
      button('Delete', async () => {
        await call('DELETE', '/passkeys/' + k.id);
        say('Passkey deleted.');
        await draw();
      }, { class: 'danger small', 'aria-label': 'Delete passkey ' + k.name }))))
      : h('p', {}, 'No passkeys yet.'));
  }
  const add = webauthn.supported()
    ? form({ id: 'passkey-form', 'aria-label': 'Add a passkey' }, [
      field('Name of the new passkey', { name: 'name', maxlength: 64, id: 'passkey-name', placeholder: 'My phone' }, 'So you can tell your passkeys apart; the device asks for your fingerprint, face or PIN.'),
    ], 'Add a passkey', async (v, f) => {
      const begun = await call('POST', '/passkeys/register/begin');
      let credential;
      try { credential = await webauthn.create(begun.options); } catch (e) { throw new Error(webauthn.why(e)); }
      const r = await call('POST', '/passkeys/register/finish', { ceremony: begun.ceremony, name: v.name.trim(), credential });
      f.reset();
      say('Passkey “' + r.passkey.name + '” added. You can sign in with it now.');
      await draw();
    })
    : h('p', { class: 'muted' }, 'This browser cannot make passkeys.');
  return { node: section('Passkeys', h('p', {}, 'A passkey signs you in without a password, with your device’s fingerprint, face or PIN. It counts as two-factor sign-in.'), list, add), draw };
}

// providersSection lists the linked providers and unlinks one (the API
// refuses to unlink the last way to sign in).
function providersSection(ctx, links) {
  const body = links.length
    ? h('ul', { class: 'list', id: 'provider-list' }, links.map((l) => h('li', { dataset: { provider: l.provider } },
      h('strong', {}, providerTitle(l.provider)), ' ', h('span', { class: 'muted' }, (l.email || '') + ' · last used ' + when(l.lastUsedAt)), ' ',
      button('Unlink', async () => {
        await call('DELETE', '/account/providers/' + encodeURIComponent(l.provider));
        say(providerTitle(l.provider) + ' is unlinked.');
        ctx.refresh();
      }, { class: 'danger small', 'aria-label': 'Unlink ' + providerTitle(l.provider) }))))
    : h('p', { id: 'provider-list' }, 'None. Signing in with a provider whose verified email is this account’s links it.');
  return section('Sign-in providers', body);
}

export async function render(ctx) {
  const a = (await call('GET', '/account')).account;
  const level = roleLevel[a.role] ?? 0;
  const keys = passkeysSection();
  await keys.draw();
  return h('div', {},
    h('h1', {}, 'Your account'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Username'), h('dd', { id: 'acct-username' }, a.username),
      h('dt', {}, 'Email'), h('dd', { id: 'acct-email' }, a.email),
      h('dt', {}, 'Role'), h('dd', { id: 'acct-role' }, a.role + ' (level ' + level + ': ' + (levelNames[level] || '') + ')'),
      h('dt', {}, 'Two-factor'), h('dd', { id: 'acct-mfa' }, a.mfaEnabled ? 'on' : 'off'),
      h('dt', {}, 'Member since'), h('dd', {}, when(a.createdAt))),
    section('Profile',
      form({ id: 'profile-form' }, [
        field('Username', { name: 'username', value: a.username, autocomplete: 'username', required: true, minlength: 2 }),
        field('About you', { name: 'bio', type: 'textarea', value: a.bio, rows: 4 }, 'Shown on your public profile. Markdown is fine.'),
      ], 'Save profile', async (v) => {
        await call('PATCH', '/account', { username: v.username.trim(), bio: v.bio });
        say('Profile saved.');
        ctx.refresh();
      })),
    section('Preferences',
      form({ id: 'prefs-form' }, [
        select('Language', { name: 'language', id: 'pref-language' }, Object.entries(languages), a.language),
        select('Units', { name: 'units', id: 'pref-units' }, [['metric', 'Metric (cm)'], ['imperial', 'Imperial (inch)']], a.imperial ? 'imperial' : 'metric'),
        check('Send me the newsletter', { name: 'newsletter', checked: a.newsletter, id: 'pref-newsletter' }),
        check('Compare my measurements with others (anonymously)', { name: 'compare', checked: a.compare }),
        select('How much control do you want?', { name: 'control' },
          [[1, '1: keep it simple'], [2, '2'], [3, '3: the default'], [4, '4'], [5, '5: show me everything']], a.control),
      ], 'Save preferences', async (v) => {
        await call('PATCH', '/account', { language: v.language, imperial: v.units === 'imperial', newsletter: v.newsletter, compare: v.compare, control: Number(v.control) });
        say('Preferences saved.');
        ctx.refresh();
      })),
    keys.node,
    providersSection(ctx, a.providers || []));
}
