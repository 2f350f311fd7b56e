// h builds an element: h('p', {class: 'x', onclick: fn}, 'text', child...).
// Text is always set as text, never parsed as HTML.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

let uid = 0;

// field is a labelled input: field('Email', {name: 'email', type: 'email'}).
export function field(label, attrs = {}, hint) {
  const id = attrs.id || 'f' + (++uid);
  const hintId = hint ? id + '-hint' : undefined;
  const input = attrs.type === 'textarea'
    ? h('textarea', { ...attrs, type: undefined, id, 'aria-describedby': hintId })
    : h('input', { type: 'text', ...attrs, id, 'aria-describedby': hintId });
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hint && h('p', { class: 'hint', id: hintId }, hint));
}

// select is a labelled <select>; options is [[value, text], ...].
export function select(label, attrs, options, current) {
  const id = attrs.id || 'f' + (++uid);
  const sel = h('select', { ...attrs, id }, options.map(([v, t]) => h('option', { value: v, selected: String(v) === String(current) }, t)));
  return h('div', { class: 'field' }, h('label', { for: id }, label), sel);
}

// check is a labelled checkbox.
export function check(label, attrs = {}) {
  const id = attrs.id || 'f' + (++uid);
  return h('div', { class: 'check' }, h('input', { type: 'checkbox', ...attrs, id }), h('label', { for: id }, label));
}

// form wraps fields with a submit button; onsubmit gets the FormData-like
// object of named values and the form. Errors thrown are shown in the form.
export function form(attrs, children, submitText, onsubmit) {
  const err = h('p', { class: 'error', role: 'alert', hidden: true });
  const btn = h('button', { type: 'submit' }, submitText);
  const f = h('form', { ...attrs, novalidate: false }, children, err, h('div', { class: 'actions' }, btn));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    btn.disabled = true;
    f.setAttribute('aria-busy', 'true');
    try {
      await onsubmit(values(f), f);
    } catch (e) {
      err.textContent = e.message || String(e);
      err.hidden = false;
    } finally {
      btn.disabled = false;
      f.removeAttribute('aria-busy');
    }
  });
  return f;
}

// values reads a form's named controls: checkboxes as booleans.
export function values(f) {
  const out = {};
  for (const el of f.elements) {
    if (!el.name) continue;
    if (el.type === 'radio') { if (el.checked) out[el.name] = el.value; continue; }
    out[el.name] = el.type === 'checkbox' ? el.checked : el.value;
  }
  return out;
}

// button runs an async action, disabling itself meanwhile; errors go to
// the status line.
export function button(text, action, attrs = {}) {
  const b = h('button', { type: 'button', ...attrs }, text);
  b.addEventListener('click', async () => {
    b.disabled = true;
    try { await action(b); } catch (e) { say(e.message || String(e), true); } finally { b.disabled = false; }
  });
  return b;
}

// say shows a message in the live status line.
export function say(text, isError) {
  const s = document.getElementById('status');
  s.textContent = text;
  s.className = isError ? 'error' : 'ok';
  s.hidden = !text;
}

// copyButton copies text to the clipboard (selecting it as a fallback).
export function copyButton(text, target, label = 'Copy', attrs = {}) {
  return button(label, async (b) => {
    try {
      await navigator.clipboard.writeText(text);
      b.textContent = 'Copied';
    } catch {
      if (target) { const r = document.createRange(); r.selectNodeContents(target); getSelection().removeAllRanges(); getSelection().addRange(r); }
      b.textContent = 'Selected: press Ctrl+C';
    }
    setTimeout(() => { b.textContent = label; }, 2000);
  }, { class: 'secondary', ...attrs });
}

export function when(stamp) {
  if (!stamp) return 'never';
  const d = new Date(stamp);
  return isNaN(d) ? String(stamp) : d.toLocaleString();
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}
