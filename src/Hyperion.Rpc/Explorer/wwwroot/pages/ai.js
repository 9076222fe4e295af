// On-chain AI: the models in the registry (0x…0a12, from its events), the recent calls to the inference
// precompile (0x…0a11), found in the call traces of the recent transactions, and — where the chain has them —
// LazAI's data anchored token classes and recorded inferences.
import { el, num, short, section, table, toNumber, txLink, blockLink, addressLink, ether } from '../format.js';
import { decodeLog, valueText, knownTopic } from '../abi.js';
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

  const lazai = await lazaiSections(rpc);
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
      }), 'no inference calls in these blocks'))),
    lazai);
  return { node, title: 'AI' };
}

/**
 * LazAI's data anchored token classes and recorded (paid) inferences, from their events on any contract; a section
 * appears only when the chain has such events.
 */
async function lazaiSections(rpc) {
  const [classes, records] = await rpc.batch(['ClassCreated', 'InferenceRecorded'].map((name) =>
    ['eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest', topics: [knownTopic(name)] }]]));
  const decoded = (answer) => (answer.result ?? []).map((log) => ({ log, e: decodeLog(log) })).filter((x) => x.e);
  const arg = (e, name) => e.args.find((a) => a.name === name);
  const KINDS = ['none', 'dataset', 'model', 'agent'];
  const dats = decoded(classes);
  const paid = decoded(records);
  return [
    dats.length ? section(`Data anchored token classes (${dats.length})`, el('div', { id: 'dat-classes' }, table(['class', 'kind', 'contract', 'manager', 'content hash', 'uri', 'parents'],
      dats.map(({ log, e }) => [String(arg(e, 'classId').value), KINDS[Number(arg(e, 'kind').value)] ?? String(arg(e, 'kind').value), addressLink(log.address),
        addressLink(arg(e, 'manager').value), el('span', { class: 'mono', title: arg(e, 'contentHash').value }, short(arg(e, 'contentHash').value, 6)),
        arg(e, 'uri').value, valueText(arg(e, 'parents'))])))) : null,
    paid.length ? section(`Recorded inferences (${paid.length})`, el('div', { id: 'inference-records' }, table(['transaction', 'block', 'caller', 'model class', 'model', 'gas', 'price'],
      paid.map(({ log, e }) => [txLink(log.transactionHash), blockLink(toNumber(log.blockNumber)), addressLink(arg(e, 'caller').value),
        String(arg(e, 'modelClass').value), el('span', { class: 'mono', title: arg(e, 'modelHash').value }, short(arg(e, 'modelHash').value, 6)),
        num(arg(e, 'gasUsed').value), ether(arg(e, 'price').value)])))) : null,
  ];
}
