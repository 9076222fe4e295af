// A transaction: its fields and receipt, the decoded input, the decoded logs and the call trace.
import { el, num, gwei, ether, dateTime, age, blockLink, addressLink, fields, section, hexBlock, toNumber, toBigInt } from '../format.js';
import { decodeCall } from '../abi.js';
import { statusBadge } from './block.js';
import { argsTable, logView, callTree } from './shared.js';

const TYPES = { 0: 'legacy', 1: 'access list (EIP-2930)', 2: 'dynamic fee (EIP-1559)', 3: 'blob (EIP-4844)', 4: 'set code (EIP-7702)', 126: 'deposit' };

export async function render(ctx, hash) {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) throw new Error(`not a transaction hash: ${hash}`);
  const [tx, receipt] = await ctx.rpc.batch([['eth_getTransactionByHash', [hash]], ['eth_getTransactionReceipt', [hash]]]);
  if (tx.error) throw tx.error;
  if (!tx.result) return { node: el('p', { class: 'notfound' }, `Transaction ${hash} was not found.`), title: 'Transaction' };
  const t = tx.result;
  const r = receipt.result;
  const block = r ? await ctx.rpc.call('eth_getBlockByHash', [r.blockHash, false]) : null;
  const call = t.to ? decodeCall(t.to, t.input) : null;
  const type = toNumber(t.type ?? '0x0');
  const fee = r ? toBigInt(r.gasUsed) * toBigInt(r.effectiveGasPrice ?? t.gasPrice) : null;

  const trace = r ? el('div', { id: 'trace' }, el('p', { class: 'muted' }, 'tracing…')) : null;
  const node = el('div', {},
    el('h1', {}, 'Transaction'),
    section('Overview', fields([
      ['Hash', el('span', { class: 'mono', id: 'tx-hash' }, t.hash)],
      ['Status', r ? statusBadge(r.status) : el('span', { class: 'badge pending' }, 'pending')],
      ['Block', r ? el('span', {}, blockLink(toNumber(r.blockNumber)), ` (index ${toNumber(r.transactionIndex)})`) : null],
      ['Time', block ? `${dateTime(toNumber(block.timestamp))} (${age(toNumber(block.timestamp))})` : null],
      ['From', addressLink(t.from, 20)],
      ['To', t.to ? addressLink(t.to, 20) : null],
      ['Contract created', r?.contractAddress ? addressLink(r.contractAddress, 20) : null],
      ['Value', ether(t.value)],
      ['Type', TYPES[type] ?? String(type)],
      ['Nonce', num(t.nonce)],
      ['Gas', r ? `${num(r.gasUsed)} used of ${num(t.gas)}` : num(t.gas)],
      ['Gas price', r?.effectiveGasPrice ? gwei(r.effectiveGasPrice) : t.gasPrice ? gwei(t.gasPrice) : null],
      ['Max fee / priority fee', t.maxFeePerGas ? `${gwei(t.maxFeePerGas)} / ${gwei(t.maxPriorityFeePerGas)}` : null],
      ['Fee', fee !== null ? ether(fee) : null],
    ])),
    section('Input', call
      ? el('div', { id: 'tx-input' }, el('div', { class: 'method' }, call.signature), argsTable(call.args))
      : el('div', { id: 'tx-input' }, t.input === '0x' ? el('p', { class: 'muted' }, 'no input (a plain transfer)') : null),
    el('details', {}, el('summary', {}, `raw input (${(t.input.length - 2) / 2} bytes)`), hexBlock(t.input))),
    r ? section(`Logs (${r.logs.length})`, el('div', { id: 'tx-logs' }, r.logs.length ? r.logs.map(logView) : el('p', { class: 'muted' }, 'no logs'))) : null,
    trace ? section('Call trace', trace) : null);

  if (trace) {
    ctx.rpc.optional('debug_traceTransaction', [hash, { tracer: 'callTracer' }]).then((frame) => {
      if (frame === undefined) trace.closest('section').remove(); // the node has no tracer
      else trace.replaceChildren(...callTree(frame));
    }).catch((e) => trace.replaceChildren(el('p', { class: 'error' }, e.message)));
  }
  return { node, title: `Transaction ${hash.slice(0, 10)}` };
}
