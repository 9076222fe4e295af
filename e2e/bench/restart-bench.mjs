// Restart time against chain length (issue 18): builds a chain of N blocks of T transfers each in a data directory,
// stops the node and times restarts until it answers eth_blockNumber (median of R), with the node's own breakdown of
// the open (block log, state store, indexing) and the large/small ratio.
// Usage: node e2e/bench/restart-bench.mjs [--blocks 100,5000] [--txs 5] [--restarts 3] [--root DIR]
//   --root runs another checkout's ./hyperion (e.g. main) so a baseline and a change are measured in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNode, batch } from '../lib/node.mjs';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((a) => a.trim().split(/\s+/)));
const BLOCKS = String(args.blocks ?? '100,5000').split(',').map(Number);
const TXS = Number(args.txs ?? 5);
const RESTARTS = Number(args.restarts ?? 3);
const roots = String(args.root ?? '').split(',').filter(Boolean);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(root, blocks) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-restart-'));
  try {
    let node = await startNode({ dataDir, ...(root ? { root } : {}) });
    if (node.unavailable) throw new Error(node.unavailable);
    const [accounts] = await batch(node.url, [['eth_accounts', []], ['evm_setAutomine', [false]]]);
    const from = accounts[0];
    const logBytes = () => fs.statSync(path.join(dataDir, 'chain.log')).size;
    for (let b = 0; b < blocks; b++) {
      const calls = [];
      for (let t = 0; t < TXS; t++) calls.push(['eth_sendTransaction', [{ from, to: accounts[1 + (t % 8)], value: '0x1' }]]);
      calls.push(['evm_mine', []]);
      await batch(node.url, calls);
    }
    const head = await node.rpc('eth_blockNumber');
    await node.stop();
    const times = [];
    const opened = [];
    for (let r = 0; r < RESTARTS; r++) {
      const started = performance.now();
      node = await startNode({ dataDir, ...(root ? { root } : {}) });
      if (node.unavailable) throw new Error(node.unavailable);
      if (await node.rpc('eth_blockNumber') !== head) throw new Error('restart lost blocks');
      times.push(performance.now() - started);
      // The node's own account of the open (docs/operating.md): total, block log read and checked, state store, indexing.
      const line = node.output().match(/opened the chain at block \d+ in (\d+) ms(?: \(block log read and checked (\d+) ms, state store opened (\d+) ms, blocks indexed (\d+) ms)?/);
      if (line) opened.push(line.slice(1).filter(Boolean).map(Number));
      await node.stop();
    }
    const phase = (i) => (opened.length && opened[0].length > i ? Math.round(median(opened.map((o) => o[i]))) : undefined);
    return {
      blocks: Number(BigInt(head)), logMB: (logBytes() / 1e6).toFixed(1), medianMs: Math.round(median(times)), times: times.map(Math.round),
      openMs: phase(0), readLogMs: phase(1), stateMs: phase(2), indexMs: phase(3),
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const root of roots.length ? roots : ['']) {
  const results = [];
  for (const blocks of BLOCKS) {
    const m = await measure(root, blocks);
    results.push(m);
    console.log(JSON.stringify({ root: root || '.', txsPerBlock: TXS, ...m }));
  }
  // How much longer the largest chain takes to restart than the smallest: 1.0 would be independent of the length.
  const [small, large] = [results[0], results[results.length - 1]];
  console.log(JSON.stringify({
    root: root || '.', ratio: `${large.blocks}/${small.blocks} blocks`,
    restart: +(large.medianMs / small.medianMs).toFixed(2), open: small.openMs ? +(large.openMs / small.openMs).toFixed(2) : undefined,
  }));
}
