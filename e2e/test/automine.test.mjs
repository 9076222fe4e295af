// Waiting for a receipt in dev mode (automine, as anvil's): 50 sequential transactions with ethers tx.wait() and
// viem waitForTransactionReceipt over HTTP and WebSocket, timed against anvil in the same run; and cast send --async
// back to back on a fresh node.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { ethers } from 'ethers';
import { createPublicClient, createWalletClient, defineChain, http, webSocket } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startNode, devKeys, binDir } from '../lib/node.mjs';

const run = promisify(execFile);
const SENDS = 50;
const WARMUP = 10;
const RECEIPT_WAIT_MS = 10_000;
const [hyperion, anvil] = await Promise.all([startNode(), startNode({ kind: 'anvil' })]);
const skip = hyperion.unavailable ? `node unavailable: ${hyperion.unavailable}`
  : anvil.unavailable ? `anvil unavailable: ${anvil.unavailable}` : false;

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Sends SENDS transfers one after another on each node, each awaited to its receipt, alternating between the nodes
 * so both see the same machine load; returns { p50, p99 } in ms per node. A few sends before are not timed, on either
 * node: they measure .NET's JIT compiling the path, not waiting for a receipt. Our node (the first sender) must answer
 * every send within RECEIPT_WAIT_MS; the peer's hangs are timed as that wait.
 */
async function timeSequential(senders) {
  const times = senders.map(() => []);
  for (let i = -WARMUP; i < SENDS; i++) {
    for (const [n, { name, sendAndWait }] of senders.entries()) {
      const start = performance.now();
      const receipt = await Promise.race([sendAndWait(),
        new Promise((resolve) => setTimeout(() => resolve(null), RECEIPT_WAIT_MS).unref())]);
      if (receipt === null && n > 0) {
        // The peer hung: ethers over WebSocket on anvil now and then caches a null receipt and misses the one block
        // that would have answered it (the race this issue fixed on our side). It counts as the wait a user sees.
        console.log(`${name} send ${i}: no receipt within ${RECEIPT_WAIT_MS / 1000} s (the peer's hang, counted as ${RECEIPT_WAIT_MS} ms)`);
      } else {
        assert.ok(receipt !== null, `${name} send ${i}: no receipt within ${RECEIPT_WAIT_MS / 1000} s`);
        assert.ok(receipt.status === 1 || receipt.status === 'success', `${name} transaction ${i} failed`);
      }
      if (i >= 0) times[n].push(performance.now() - start);
    }
  }
  return times.map((t) => {
    t.sort((x, y) => x - y);
    return { p50: percentile(t, 50), p99: percentile(t, 99) };
  });
}

// Default client options, as a new user has them: no shortened polling interval. ethers' NonceManager, as ethers
// users do for back-to-back sends (its provider caches eth_getTransactionCount for 250 ms, on anvil too).
// Each returns { sendAndWait, close } for one node and one funded key.
const clients = {
  'ethers http': (node, key) => ethersSender(new ethers.JsonRpcProvider(node.url), key),
  'ethers ws': (node, key) => ethersSender(new ethers.WebSocketProvider(node.wsUrl), key),
  'viem http': (node, key) => viemSender(node, key, http(node.url)),
  'viem ws': (node, key) => viemSender(node, key, webSocket(node.wsUrl)),
};

function ethersSender(provider, key) {
  const wallet = new ethers.NonceManager(new ethers.Wallet(key, provider));
  const to = ethers.Wallet.createRandom().address;
  return {
    sendAndWait: async () => (await wallet.sendTransaction({ to, value: 1n })).wait(),
    close: () => provider.destroy(),
  };
}

function viemSender(node, key, transport) {
  const chain = defineChain({
    id: Number(node.chainId), name: 'dev', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [node.url] } },
  });
  const wallet = createWalletClient({ chain, transport, account: privateKeyToAccount(key) });
  const client = createPublicClient({ chain, transport });
  const to = new ethers.Wallet(ethers.Wallet.createRandom().privateKey).address;
  return {
    sendAndWait: async () => client.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to, value: 1n }) }),
    close: async () => (await transport({ chain }).value?.getRpcClient?.())?.close?.(),
  };
}

describe('automine: waiting for a receipt', { skip, timeout: 120_000 }, () => {
  after(async () => { await Promise.all([hyperion.stop?.(), anvil.stop?.()]); });

  for (const [name, measure] of Object.entries(clients)) {
    test(`${name}: p50 and p99 of ${SENDS} sequential sends within 2x of anvil's`, async () => {
      // Each client its own funded sender, so the runs do not share nonces.
      const funded = await fund([hyperion, anvil], ethers.Wallet.createRandom().privateKey);
      const senders = [hyperion, anvil].map((node) => ({ name: node.kind, ...measure(node, funded) }));
      let ours, theirs;
      try {
        [ours, theirs] = await timeSequential(senders);
      } finally {
        await Promise.all(senders.map((sender) => sender.close()));
      }
      console.log(`${name}: hyperion p50 ${ours.p50.toFixed(1)} ms p99 ${ours.p99.toFixed(1)} ms; anvil p50 ${theirs.p50.toFixed(1)} ms p99 ${theirs.p99.toFixed(1)} ms`);
      // Within 2x of anvil's, plus an absolute floor so a loaded machine does not fail the test: 20 ms on the median;
      // 250 ms on p99, which over 50 sends is the slowest one, and on a 2-core machine at load ~10 that took one
      // scheduling or GC hiccup of 100-300 ms now and then on either node. A send that waits for the next block
      // interval or a polling tick (the 4 s this test was written against) is far outside both.
      assert.ok(ours.p50 <= 2 * theirs.p50 + 20, `p50 ${ours.p50.toFixed(1)} ms vs anvil's ${theirs.p50.toFixed(1)} ms`);
      assert.ok(ours.p99 <= 2 * theirs.p99 + 250, `p99 ${ours.p99.toFixed(1)} ms vs anvil's ${theirs.p99.toFixed(1)} ms`);
    });
  }

  test('cast send --async x20 back to back on a fresh node: all accepted, all mined', async () => {
    const fresh = await startNode();
    try {
      const hashes = [];
      for (let i = 0; i < 20; i++) {
        const { stdout } = await run(path.join(binDir, 'cast'),
          ['send', '--async', '--rpc-url', fresh.url, '--private-key', devKeys[0], '0x000000000000000000000000000000000000dEaD', '--value', '1'], { timeout: 60_000 });
        hashes.push(stdout.trim());
      }
      assert.equal(new Set(hashes).size, 20);
      for (const hash of hashes) {
        const receipt = await fresh.rpc('eth_getTransactionReceipt', [hash]);
        assert.equal(receipt?.status, '0x1', `${hash} not mined`);
      }
    } finally {
      await fresh.stop?.();
    }
  });
});

/** Gives a fresh key 1 ether on each node (from the first dev account), so each client run starts at nonce 0. */
async function fund(nodes, key) {
  const to = new ethers.Wallet(key).address;
  for (const node of nodes) {
    const provider = new ethers.JsonRpcProvider(node.url);
    try {
      await (await new ethers.Wallet(devKeys[0], provider).sendTransaction({ to, value: ethers.parseEther('1') })).wait();
    } finally {
      provider.destroy();
    }
  }
  return key;
}
