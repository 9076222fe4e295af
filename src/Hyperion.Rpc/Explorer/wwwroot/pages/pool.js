// The transaction pool (txpool_content): pending (executable) and queued (waiting for a nonce gap) transactions.
import { el, section, toNumber } from '../format.js';
import { txTable } from './shared.js';

export async function render(ctx) {
  const content = await ctx.rpc.optional('txpool_content');
  if (content === undefined) {
    return { node: el('p', { class: 'notfound' }, 'This node does not show its transaction pool (no txpool_content).'), title: 'Pool' };
  }
  const flatten = (bySender) => Object.values(bySender ?? {}).flatMap((byNonce) => Object.values(byNonce))
    .sort((a, b) => a.from.localeCompare(b.from) || toNumber(a.nonce) - toNumber(b.nonce));
  const pending = flatten(content.pending);
  const queued = flatten(content.queued);
  const node = el('div', {},
    el('h1', {}, 'Transaction pool'),
    section(`Pending (${pending.length})`, el('div', { id: 'pool-pending' }, txTable(pending, 'no pending transactions'))),
    section(`Queued (${queued.length})`, el('div', { id: 'pool-queued' }, txTable(queued, 'no queued transactions'))));
  return { node, title: 'Pool', onHead: async () => { const fresh = await render(ctx); node.replaceChildren(...fresh.node.childNodes); } };
}
