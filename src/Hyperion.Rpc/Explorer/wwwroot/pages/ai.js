// On-chain AI: the models in the registry (0x…0a12, from its events) and the recent calls to the inference
// precompile (0x…0a11), found in the call traces of the recent transactions.
import { el, num, short, section, table, toNumber, txLink, blockLink, addressLink } from '../format.js';
import { decodeLog, valueText } from '../abi.js';
import { inferenceFrames, INFERENCE } from './shared.js';

export const REGISTRY = '0x0000000000000000000000000000000000000a12';
const SCAN = 50; // recent blocks whose transactions are traced
const traces = new Map(); // tx hash → call frame (a mined transaction's trace never changes)

export async function render(ctx) {
  const { rpc } = ctx;
  const logs = await rpc.call('eth_getLogs', [{ address: REGISTRY, fromBlock: '0x0', toBlock: 'latest' }]);
  const models = new Map();
  for (const log of logs) {
    const e = decodeLog(log);
    if (e?.name === 'ModelRegistered') models.set(e.args[0].value, { hash: e.args[0].value, size: e.args[1].value, macsPerGas: e.args[2].value, block: toNumber(log.blockNumber) });
    if (e?.name === 'ModelDeregistered') models.delete(e.args[0].value);
  }

  const head = toNumber(await rpc.call('eth_blockNumber'));
  const numbers = [];
  for (let n = head; n >= Math.max(0, head - SCAN + 1); n--) numbers.push(n);
  const blocks = (await rpc.batches(numbers.map((n) => ['eth_getBlockByNumber', [`0x${n.toString(16)}`, true]]))).map((a) => a.result).filter(Boolean);
  const txs = blocks.flatMap((b) => b.transactions);
  const untraced = txs.filter((t) => !traces.has(t.hash));
  const canTrace = untraced.length === 0 || (await rpc.optional('debug_traceTransaction', [untraced[0].hash, { tracer: 'callTracer' }]).then((f) => {
    if (f !== undefined) traces.set(untraced[0].hash, f);
    return f !== undefined;
  }));
  if (canTrace) {
    const rest = untraced.filter((t) => !traces.has(t.hash));
    const answers = await rpc.batches(rest.map((t) => ['debug_traceTransaction', [t.hash, { tracer: 'callTracer' }]]), 20);
    answers.forEach((a, i) => { if (a.result) traces.set(rest[i].hash, a.result); });
  }
  const calls = txs.flatMap((t) => (canTrace ? inferenceFrames(traces.get(t.hash) ?? {}) : t.to?.toLowerCase() === INFERENCE ? [{ frame: t, call: null }] : [])
    .map((c) => ({ ...c, tx: t })));

  const node = el('div', {},
    el('h1', {}, 'On-chain AI'),
    section('Registered models', el('div', { id: 'models' }, table(['model (content hash)', 'size', 'MACs per gas', 'registered in'],
      [...models.values()].map((m) => [el('span', { class: 'mono' }, m.hash), `${num(m.size)} bytes`, num(m.macsPerGas), blockLink(m.block)]),
      'no model is registered'))),
    section(`Inference calls in the last ${blocks.length} blocks`,
      canTrace ? null : el('p', { class: 'muted' }, 'This node does not trace transactions: only direct calls to 0x…0a11 are listed.'),
      el('div', { id: 'inference-calls' }, table(['transaction', 'block', 'caller', 'model', 'prompt', 'tokens', 'text'], calls.map(({ tx, frame, call, output }) => {
        const arg = (name) => call?.args.find((a) => a.name === name);
        return [txLink(tx.hash), blockLink(toNumber(tx.blockNumber)), addressLink(frame.from),
          arg('model') ? el('span', { class: 'mono', title: arg('model').value }, short(arg('model').value, 6)) : '—',
          arg('prompt') ? el('span', { class: 'prompt' }, valueText(arg('prompt'))) : '—',
          output ? String(output[0].value.length) : frame.error ? el('span', { class: 'error' }, frame.error) : '—',
          output ? el('span', { class: 'generated' }, output[1].value) : '—'];
      }), 'no inference calls in these blocks'))));
  return { node, title: 'AI' };
}
