// The home page: the node at a glance, the rate charts, the latest blocks and transactions (live), rollup heads.
import { el, num, gwei, age, short, blockLink, addressLink, section, table, toNumber } from '../format.js';
import { barChart, rateBuckets } from '../charts.js';
import { txTable } from './shared.js';

const WINDOW = 100; // blocks kept for the tables and the rate charts
const RATE_SPAN = 300; // seconds of chain time the charts cover

export async function render(ctx) {
  const { rpc } = ctx;
  const blocks = new Map(); // number → block with full transactions
  const stats = el('div', { class: 'stats', id: 'stats' });
  const rollup = el('div', { id: 'rollup' });
  const charts = el('div', { class: 'charts', id: 'charts' });
  const latestBlocks = el('div', { id: 'latest-blocks' });
  const latestTxs = el('div', { id: 'latest-txs' });
  const node = el('div', { class: 'home' },
    stats, rollup,
    section('Rate', charts),
    el('div', { class: 'columns' }, section('Latest blocks', latestBlocks), section('Latest transactions', latestTxs)));

  async function load(head) {
    const wanted = [];
    for (let n = Math.max(0, head - WINDOW + 1); n <= head; n++) if (!blocks.has(n)) wanted.push(n);
    const answers = await rpc.batches(wanted.map((n) => ['eth_getBlockByNumber', [`0x${n.toString(16)}`, true]]));
    answers.forEach((a, i) => { if (a.result) blocks.set(wanted[i], a.result); });
    for (const n of [...blocks.keys()]) if (n <= head - WINDOW) blocks.delete(n);
  }

  async function refresh(head) {
    await load(head);
    const [chainId, gasPrice, client, pool, sync] = await rpc.batch([
      ['eth_chainId'], ['eth_gasPrice'], ['web3_clientVersion'], ['txpool_status'], ['optimism_syncStatus']]);
    const latest = blocks.get(head);
    const card = (id, label, value) => el('div', { class: 'stat', id }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value));
    stats.replaceChildren(
      card('stat-head', 'Latest block', latest ? blockLink(head) : num(head)),
      card('stat-chain', 'Chain id', chainId.result ? BigInt(chainId.result).toString() : '—'),
      card('stat-gas', 'Gas price', gasPrice.result ? gwei(gasPrice.result) : '—'),
      latest?.baseFeePerGas ? card('stat-basefee', 'Base fee', gwei(latest.baseFeePerGas)) : null,
      pool.result ? card('stat-pool', 'Pool', el('a', { href: '#/pool' }, `${toNumber(pool.result.pending)} pending, ${toNumber(pool.result.queued)} queued`)) : null,
      card('stat-client', 'Client', client.result ?? '—'));
    rollup.replaceChildren(sync.result ? rollupHeads(sync.result) : '');

    const ordered = [...blocks.values()].sort((a, b) => toNumber(a.number) - toNumber(b.number));
    const all = ordered.map((b) => ({ timestamp: toNumber(b.timestamp), txs: b.transactions.length, gasUsed: toNumber(b.gasUsed) }));
    const { width, buckets } = rateBuckets(all, 30, RATE_SPAN);
    const samples = all.filter((b) => all.length > 0 && b.timestamp > all.at(-1).timestamp - RATE_SPAN);
    const span = samples.length > 1 ? samples.at(-1).timestamp - samples[0].timestamp : 0;
    const totalTxs = samples.reduce((s, b) => s + b.txs, 0);
    const totalGas = samples.reduce((s, b) => s + b.gasUsed, 0);
    const avg = (v) => (span > 0 ? v / span : 0);
    charts.replaceChildren(
      barChart(buckets.map((b) => b.txRate), { label: 'transactions', caption: `${width} s per bar`, className: 'tx-rate' }),
      barChart(buckets.map((b) => b.gasRate), { label: 'gas', caption: `${width} s per bar`, className: 'gas-rate' }),
      el('p', { class: 'muted', id: 'rate-summary' },
        `${samples.length} block(s) in the last ${span} s of chain time: ${avg(totalTxs).toFixed(2)} tx/s, ${num(Math.round(avg(totalGas)))} gas/s (${num(totalTxs)} transactions).`));

    const newest = ordered.slice(-10).reverse();
    latestBlocks.replaceChildren(table(['block', 'hash', 'age', 'txs', 'gas used', 'fee recipient'], newest.map((b) => [
      blockLink(toNumber(b.number)), el('span', { class: 'mono', title: b.hash }, short(b.hash, 6)), age(toNumber(b.timestamp)),
      String(b.transactions.length), num(b.gasUsed), addressLink(b.miner)])));
    const txs = ordered.slice().reverse().flatMap((b) => b.transactions.slice().reverse()).slice(0, 10);
    latestTxs.replaceChildren(txTable(txs, 'no transactions in the last blocks'));
  }

  await refresh(toNumber(await rpc.call('eth_blockNumber')));
  let busy = Promise.resolve();
  return { node, title: 'Overview', onHead: (n) => { busy = busy.then(() => refresh(n)).catch(() => {}); return busy; } };
}

/** optimism_syncStatus: the L2 heads (unsafe, safe, finalized) and the L1 blocks they derive from. */
function rollupHeads(status) {
  const row = (label, ref) => (ref && typeof ref === 'object' && ref.number !== undefined
    ? [label, String(ref.number), el('span', { class: 'mono', title: ref.hash }, short(ref.hash ?? '', 8)), ref.l1origin ? `L1 ${ref.l1origin.number}` : '']
    : null);
  const rows = [
    row('unsafe L2', status.unsafe_l2), row('safe L2', status.safe_l2), row('finalized L2', status.finalized_l2),
    row('current L1', status.current_l1), row('head L1', status.head_l1), row('safe L1', status.safe_l1), row('finalized L1', status.finalized_l1),
  ].filter(Boolean);
  return section('Rollup', table(['head', 'number', 'hash', 'derived from'], rows, 'no heads reported'));
}
