// Passkeys (WebAuthn) through the browser's navigator.credentials, with
// the options the API makes (go-webauthn: binary fields as base64url
// without padding) and credentials sent back as the JSON the API parses.

export const supported = () => typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;

export function fromB64url(s) {
  const b64 = String(s).replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((String(s).length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

export function toB64url(buf) {
  const bytes = new Uint8Array(buf);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const descriptors = (list) => (list || []).map((d) => ({ ...d, id: fromB64url(d.id) }));

// create registers a passkey: options is the API's {publicKey: ...}.
export async function create(options) {
  const pk = options.publicKey;
  const publicKey = { ...pk, challenge: fromB64url(pk.challenge), user: { ...pk.user, id: fromB64url(pk.user.id) }, excludeCredentials: descriptors(pk.excludeCredentials) };
  return asJSON(await navigator.credentials.create({ publicKey }));
}

// get asks for a passkey to sign in with (discoverable: no allow list
// unless the API sends one).
export async function get(options) {
  const pk = options.publicKey;
  const publicKey = { ...pk, challenge: fromB64url(pk.challenge), allowCredentials: descriptors(pk.allowCredentials) };
  return asJSON(await navigator.credentials.get({ publicKey, mediation: options.mediation || undefined }));
}

// asJSON is a PublicKeyCredential as the W3C JSON encoding has it.
function asJSON(c) {
  if (!c) throw new Error('No passkey was chosen.');
  const r = c.response;
  const response = { clientDataJSON: toB64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toB64url(r.attestationObject);
    if (r.getTransports) response.transports = r.getTransports();
  } else {
    response.authenticatorData = toB64url(r.authenticatorData);
    response.signature = toB64url(r.signature);
    if (r.userHandle) response.userHandle = toB64url(r.userHandle);
  }
  return { id: c.id, rawId: toB64url(c.rawId), type: c.type, authenticatorAttachment: c.authenticatorAttachment || undefined,
    clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {}, response };
}

// why turns a browser's refusal into words (the person cancelled, or no
// passkey of this site is on the device).
export function why(e) {
  if (e && e.name === 'NotAllowedError') return 'No passkey was used: the request was cancelled or timed out.';
  if (e && e.name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
  if (e && e.name === 'SecurityError') return 'Passkeys do not work on this address (it must be https or localhost).';
  return (e && e.message) || String(e);
}
