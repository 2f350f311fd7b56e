// Measurements: names from the server's list; values kept in mm, shown in
// the account's units (shoulderSlope is in degrees either way).
let names;
export async function measurementNames() {
  if (!names) names = await (await fetch('/app/measurements.json')).json();
  return names;
}

export function label(name) {
  const words = name.replace(/([A-Z])/g, ' $1').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const isAngle = (name) => name === 'shoulderSlope';
export const unit = (name, imperial) => (isAngle(name) ? '°' : imperial ? 'inch' : 'cm');

export function show(name, mm, imperial) {
  if (mm === undefined || mm === null) return '';
  if (isAngle(name)) return String(mm);
  return String(imperial ? Math.round((mm / 25.4) * 100) / 100 : Math.round(mm) / 10);
}

// toMM reads what was typed; null for empty, NaN for not a number.
export function toMM(name, text, imperial) {
  const t = String(text).trim().replace(',', '.');
  if (t === '') return null;
  const v = Number(t);
  if (!isFinite(v)) return NaN;
  if (isAngle(name)) return v;
  return Math.round((imperial ? v * 25.4 : v * 10) * 10) / 10;
}
