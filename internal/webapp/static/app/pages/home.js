import { h } from '../dom.js';

export async function render(ctx) {
  if (ctx.account) { ctx.go('/account'); return h('p', {}, 'Opening your account…'); }
  const signin = await import('./signin.js');
  return signin.render(ctx);
}
