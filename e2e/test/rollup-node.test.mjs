// hyperion sequencer and hyperion node as processes against anvil as L1 (no batcher): both start, refuse a rollup
// config whose genesis.l2.hash is not the genesis it describes, serve eth_* and optimism_*, and agree on the L2 chain
// derived from L1 (deposit-only blocks once the sequencing window has passed without batches).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNode, repoRoot, devKeys } from '../lib/node.mjs';
import { freePort, rpc, until } from '../lib/rollup.mjs';

const hyperion = path.join(repoRoot, 'hyperion');

function spawnRollup(kind, args) {
  const child = spawn(hyperion, [kind, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  return {
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

test('hyperion sequencer and hyperion node derive the same L2 chain from anvil and serve optimism_*', { timeout: 600_000 }, async (t) => {
  const l1 = await startNode({ kind: 'anvil', extraArgs: ['--block-time', '1', '--chain-id', '900', '--slots-in-an-epoch', '4'] });
  if (l1.unavailable) {
    t.skip(l1.unavailable);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-rollup-node-'));
  const stops = [l1.stop];
  try {
    const l1Genesis = await l1.rpc('eth_getBlockByNumber', ['0x0', false]);
    const config = {
      genesis: {
        l1: { hash: l1Genesis.hash, number: 0 },
        l2: { hash: '0x' + '11'.repeat(32), number: 0 },
        l2_time: Number(BigInt(l1Genesis.timestamp)),
        system_config: {
          batcherAddr: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
          overhead: '0x' + '00'.repeat(32),
          scalar: '0x010000000000000000000000000000000000000000000000000c5fc500000558',
          gasLimit: 30000000,
        },
      },
      block_time: 1, max_sequencer_drift: 600, seq_window_size: 4, channel_timeout: 50, l1_chain_id: 900, l2_chain_id: 901,
      regolith_time: 0, canyon_time: 0, delta_time: 0, ecotone_time: 0, fjord_time: 0,
      batch_inbox_address: '0xff00000000000000000000000000000000000901',
      deposit_contract_address: '0x4000000000000000000000000000000000000004',
      l1_system_config_address: '0x5000000000000000000000000000000000000005',
      protocol_versions_address: '0x0000000000000000000000000000000000000000',
    };
    const configPath = path.join(dir, 'rollup.json');
    fs.writeFileSync(configPath, JSON.stringify(config));

    // A config whose genesis.l2.hash is not the genesis it describes is refused, naming the right hash.
    const refused = spawnSync(hyperion, ['node', '--l1-rpc', l1.url, '--rollup-config', configPath, '--ephemeral', '--port', String(await freePort())], { encoding: 'utf8', timeout: 300_000 });
    assert.notEqual(refused.status, 0);
    const hash = /describes, (0x[0-9a-f]{64})/.exec(refused.stderr)?.[1];
    assert.ok(hash, refused.stderr);
    config.genesis.l2.hash = hash;
    fs.writeFileSync(configPath, JSON.stringify(config));

    const [seqPort, nodePort] = [await freePort(), await freePort()];
    const sequencer = spawnRollup('sequencer', ['--l1-rpc', l1.url, '--rollup-config', configPath, '--sequencer-key', devKeys[1], '--data-dir', path.join(dir, 'seq'), '--port', String(seqPort)]);
    stops.push(sequencer.stop);
    const verifier = spawnRollup('node', ['--l1-rpc', l1.url, '--rollup-config', configPath, '--ephemeral', '--port', String(nodePort)]);
    stops.push(verifier.stop);
    const seqUrl = `http://127.0.0.1:${seqPort}`;
    const nodeUrl = `http://127.0.0.1:${nodePort}`;

    const status = await until('the verifier to derive 5 safe blocks', 120_000, async () => {
      const s = await rpc(nodeUrl, 'optimism_syncStatus');
      return s.safe_l2.number >= 5 ? s : null;
    });
    assert.ok(status.head_l1.number >= status.current_l1.number);
    assert.equal((await rpc(nodeUrl, 'optimism_rollupConfig')).genesis.l2.hash, hash);
    assert.equal(await rpc(nodeUrl, 'eth_chainId'), '0x385');

    // The sequencer derives the same safe chain; its blocks and the verifier's agree up to the common safe head.
    const common = await until('the sequencer to derive the same safe head', 120_000, async () => {
      const [a, b] = await Promise.all([rpc(seqUrl, 'optimism_syncStatus'), rpc(nodeUrl, 'optimism_syncStatus')]);
      const n = Math.min(a.safe_l2.number, b.safe_l2.number);
      return n >= 5 ? n : null;
    });
    for (const n of [1, common]) {
      const tag = '0x' + n.toString(16);
      const [a, b] = await Promise.all([rpc(seqUrl, 'eth_getBlockByNumber', [tag, false]), rpc(nodeUrl, 'eth_getBlockByNumber', [tag, false])]);
      assert.equal(a.hash, b.hash, `block ${n}`);
      const [oa, ob] = await Promise.all([rpc(seqUrl, 'optimism_outputAtBlock', [tag]), rpc(nodeUrl, 'optimism_outputAtBlock', [tag])]);
      assert.equal(oa.outputRoot, ob.outputRoot);
    }

    const safe = await rpc(nodeUrl, 'eth_getBlockByNumber', ['safe', false]);
    assert.ok(Number(BigInt(safe.number)) >= 5);
    await until('a finalized L2 block', 120_000, async () => Number(BigInt((await rpc(nodeUrl, 'eth_getBlockByNumber', ['finalized', false])).number)) > 0);
  } finally {
    for (const stop of stops.reverse()) await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
