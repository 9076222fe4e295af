// Restart time against chain length (issue 18): builds a chain of N blocks of T transfers each in a data directory,
// stops the node and times restarts until it answers eth_blockNumber (median of R).
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
    for (let r = 0; r < RESTARTS; r++) {
      const started = performance.now();
      node = await startNode({ dataDir, ...(root ? { root } : {}) });
      if (node.unavailable) throw new Error(node.unavailable);
      if (await node.rpc('eth_blockNumber') !== head) throw new Error('restart lost blocks');
      times.push(performance.now() - started);
      await node.stop();
    }
    return { blocks: Number(BigInt(head)), logMB: (logBytes() / 1e6).toFixed(1), medianMs: Math.round(median(times)), times: times.map(Math.round) };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

for (const root of roots.length ? roots : ['']) {
  for (const blocks of BLOCKS) {
    const m = await measure(root, blocks);
    console.log(JSON.stringify({ root: root || '.', txsPerBlock: TXS, ...m }));
  }
}
