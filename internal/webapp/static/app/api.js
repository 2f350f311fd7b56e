// The JSON API, called from this origin. The sign-in token lives in
// sessionStorage (this tab only, gone when it closes) and travels as an
// Authorization header; the API trusts no cookie.

const TOKEN = 'bobbin.token';

export function token() { return sessionStorage.getItem(TOKEN) || ''; }
export function setToken(t) { if (t) sessionStorage.setItem(TOKEN, t); else sessionStorage.removeItem(TOKEN); }

// ApiError carries the API's stable error code and the HTTP status.
export class ApiError extends Error {
  constructor(status, code, body) {
    super(message(code, status));
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

// call sends a request; path is the API path without the /jwt suffix when
// auth is true (it is added). It answers the parsed body or throws ApiError.
export async function call(method, path, body, { auth = true } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (auth) headers.Authorization = 'Bearer ' + token();
  let res;
  try {
    res = await fetch(auth ? path + '/jwt' : path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit', cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', null);
  }
  let data = null;
  const text = await res.text();
  if (text) { try { data = JSON.parse(text); } catch { data = null; } }
  if (!res.ok) throw new ApiError(res.status, (data && data.error) || 'http' + res.status, data);
  return data || {};
}

// Levels of the roles (internal/auth/levels.go).
export const roleLevel = { user: 4, tester: 4, curator: 5, bughunter: 6, support: 8, admin: 9 };
export const levelNames = {
  0: 'authenticate only', 1: 'read own sets and patterns', 2: 'read all own account data',
  3: 'write own sets, patterns, bookmarks', 4: 'write all own account data, manage keys',
  5: 'curator', 6: 'bughunter: read other users', 7: 'level 7', 8: 'support', 9: 'admin',
};
export const roles = ['user', 'tester', 'curator', 'bughunter', 'support', 'admin', 'blocked'];
export const languages = { en: 'English', de: 'Deutsch', es: 'Español', fr: 'Français', nl: 'Nederlands', uk: 'Українська' };

const messages = {
  network: 'The server could not be reached. Check your connection and try again.',
  signInFailed: 'That username and password do not match.',
  mfaTokenRequired: 'Enter the code from your authenticator app.',
  mfaTokenInvalid: 'That code is not right. Codes change every 30 seconds.',
  accountBlocked: 'This account is blocked.',
  statusLacking: 'This account is not active yet: confirm it with the link we mailed you.',
  consentLacking: 'Please give your consent before going on.',
  consentRequired: 'Please choose what we may keep.',
  tooManyRequests: 'Too many attempts. Wait a little and try again.',
  notFound: 'Not found: the link may have expired or been used already.',
  emailInvalid: 'That is not an email address.',
  emailTaken: 'That address belongs to another account.',
  usernameTaken: 'That username is taken.',
  passwordTooShort: 'That password is too short.',
  currentPasswordRequired: 'Enter your current password (or sign in again first).',
  insufficientAccessLevel: 'You do not have access to this.',
  authenticationRequired: 'Please sign in.',
  tokenInvalid: 'Your session has ended. Please sign in again.',
  nameMissing: 'A name is required.',
  nameInvalid: 'That name is not allowed (at most 64 characters, one line).',
  passkeyInvalid: 'That passkey was not accepted.',
  ceremonyExpired: 'That took too long. Please try again.',
  credentialInvalid: 'The browser answered something that is not a passkey.',
  stateInvalid: 'That sign-in has expired or was used already. Please start again.',
  codeInvalid: 'The provider did not confirm the sign-in. Please start again.',
  emailNotVerified: 'The provider has not verified your email address, so we cannot sign you in with it.',
  invalidProvider: 'That sign-in provider is not set up here.',
  lastSigninMethod: 'This is your only way to sign in: set a password or add a passkey first.',
  serviceUnavailable: 'That is not available right now. Please try again later.',
  nameEnMissing: 'An English name is required.',
  curatedHeightInvalid: 'The height must be a whole number of centimetres.',
  measiesInvalid: 'One of the measurements is not valid.',
  statusInvalid: 'That status cannot be set.',
  roleInvalid: 'That is not a role.',
  cannotChangeSelf: 'Admins cannot change their own role or status here.',
  designMissing: 'A design is required.',
  designTooLong: 'That design name is too long.',
  optionsInvalid: 'The options must be a JSON object of option names and values.',
};

export function message(code, status) {
  if (messages[code]) return messages[code];
  if (status === 401) return messages.tokenInvalid;
  return 'Something went wrong (' + code + ').';
}
