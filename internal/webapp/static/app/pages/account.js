// The account: profile and preferences (PATCH /account/jwt).
import { call, languages, levelNames, roleLevel } from '../api.js';
import { h, field, form, select, check, section, say, when } from '../dom.js';

export async function render(ctx) {
  const a = (await call('GET', '/account')).account;
  const level = roleLevel[a.role] ?? 0;
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
      })));
}
