// A block: its header and its transactions (with each one's status when the node answers eth_getBlockReceipts).
import { el, num, gwei, dateTime, age, blockLink, addressLink, fields, section, table, toNumber, txLink, ether } from '../format.js';
import { methodName } from './shared.js';

export async function render(ctx, id) {
  const byHash = /^0x[0-9a-fA-F]{64}$/.test(id);
  if (!byHash && !/^\d+$/.test(id)) throw new Error(`not a block number or hash: ${id}`);
  const tag = byHash ? id : `0x${BigInt(id).toString(16)}`;
  const block = await ctx.rpc.call(byHash ? 'eth_getBlockByHash' : 'eth_getBlockByNumber', [tag, true]);
  if (!block) return { node: el('p', { class: 'notfound' }, `Block ${id} was not found.`), title: 'Block' };
  const number = toNumber(block.number);
  const receipts = await ctx.rpc.optional('eth_getBlockReceipts', [block.number]) ?? [];
  const status = new Map(receipts.map((r) => [r.transactionHash, r]));
  const ts = toNumber(block.timestamp);
  const node = el('div', {},
    el('h1', {}, `Block ${num(number)}`),
    el('div', { class: 'pager' }, number > 0 ? blockLink(number - 1, '← previous') : null, ' ', blockLink(number + 1, 'next →')),
    section('Header', fields([
      ['Number', num(number)],
      ['Hash', el('span', { class: 'mono' }, block.hash)],
      ['Parent', number > 0 ? el('a', { href: `#/block/${block.parentHash}`, class: 'mono' }, block.parentHash) : el('span', { class: 'mono' }, block.parentHash)],
      ['Time', `${dateTime(ts)} (${age(ts)})`],
      ['Fee recipient', addressLink(block.miner, 20)],
      ['Transactions', num(block.transactions.length)],
      ['Gas used', `${num(block.gasUsed)} of ${num(block.gasLimit)} (${(Number(BigInt(block.gasUsed) * 10000n / BigInt(block.gasLimit || '0x1')) / 100).toFixed(2)} %)`],
      ['Base fee', block.baseFeePerGas ? gwei(block.baseFeePerGas) : null],
      ['Blob gas used', block.blobGasUsed ? num(block.blobGasUsed) : null],
      ['State root', el('span', { class: 'mono' }, block.stateRoot)],
      ['Transactions root', el('span', { class: 'mono' }, block.transactionsRoot)],
      ['Receipts root', el('span', { class: 'mono' }, block.receiptsRoot)],
      ['Size', block.size ? `${num(block.size)} bytes` : null],
      ['Extra data', block.extraData && block.extraData !== '0x' ? el('span', { class: 'mono' }, block.extraData) : null],
    ])),
    section(`Transactions (${block.transactions.length})`, el('div', { id: 'block-txs' }, table(
      ['#', 'hash', 'status', 'from', 'to', 'value', 'method', 'gas used'],
      block.transactions.map((tx) => {
        const r = status.get(tx.hash);
        return [String(toNumber(tx.transactionIndex)), txLink(tx.hash), r ? statusBadge(r.status) : '—', addressLink(tx.from),
          tx.to ? addressLink(tx.to) : r?.contractAddress ? el('span', {}, 'create ', addressLink(r.contractAddress)) : el('span', { class: 'badge' }, 'create'),
          ether(tx.value), el('span', { class: 'method' }, methodName(tx)),
          r ? num(r.gasUsed) : '—'];
      }), 'no transactions'))));
  return { node, title: `Block ${number}` };
}

export const statusBadge = (status) => (toNumber(status) === 1
  ? el('span', { class: 'badge ok' }, 'success') : el('span', { class: 'badge fail' }, 'failed'));
