// viem's test client (mode 'anvil') against the node: state edits, impersonation, mining, snapshot/revert, time; and
// the state edits surviving a restart of a node kept in a data directory.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPublicClient, createTestClient, createWalletClient, http, parseEther, defineChain, getAddress } from 'viem';
import { startNode } from '../lib/node.mjs';

const stranger = '0x1234567890AbcdEF1234567890aBcdef12345678';
const whale = '0x00000000219ab540356cBB839Cbe05303d7705Fa';
// PUSH1 0 SLOAD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN: answers storage slot 0.
const slotZeroReader = '0x60005460005260206000f3';

function clients(node) {
  const chain = defineChain({
    id: Number(node.chainId), name: 'dev', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [node.url] } },
  });
  const transport = http(node.url);
  return {
    chain,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 100 }),
    testClient: createTestClient({ chain, transport, mode: 'anvil' }),
    walletFor: (account) => createWalletClient({ chain, transport, account }),
  };
}

const node = await startNode();
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

describe('viem test client', { skip, timeout: 180_000 }, () => {
  after(async () => { await node.stop?.(); });
  const { publicClient, testClient, walletFor } = skip ? {} : clients(node);

  test('setBalance, setCode, setStorageAt and setNonce edit the state at once, without a block', async () => {
    const block = await publicClient.getBlockNumber({ cacheTime: 0 });
    await testClient.setBalance({ address: stranger, value: parseEther('3') });
    await testClient.setCode({ address: stranger, bytecode: slotZeroReader });
    await testClient.setStorageAt({ address: stranger, index: 0, value: '0x' + '2a'.padStart(64, '0') });
    await testClient.setNonce({ address: stranger, nonce: 5 });
    assert.equal(await publicClient.getBlockNumber({ cacheTime: 0 }), block);
    assert.equal(await publicClient.getBalance({ address: stranger }), parseEther('3'));
    assert.equal(await publicClient.getTransactionCount({ address: stranger }), 5);
    assert.equal(BigInt((await publicClient.call({ to: stranger })).data), 42n);
  });

  test('impersonateAccount: eth_sendTransaction from an account without its key', async () => {
    await testClient.setBalance({ address: whale, value: parseEther('10') });
    await testClient.impersonateAccount({ address: whale });
    const hash = await walletFor(whale).sendTransaction({ to: stranger, value: parseEther('1') });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    assert.equal(getAddress(receipt.from), getAddress(whale));
    await testClient.stopImpersonatingAccount({ address: whale });
    await assert.rejects(walletFor(whale).sendTransaction({ to: stranger, value: 1n })); // anvil: invalid params; Hyperion: unknown account
  });

  test('mine with a count and interval, increaseTime', async () => {
    const start = await publicClient.getBlockNumber({ cacheTime: 0 });
    await testClient.mine({ blocks: 3, interval: 30 });
    assert.equal(await publicClient.getBlockNumber({ cacheTime: 0 }), start + 3n);
    const [a, b] = await Promise.all([start + 2n, start + 3n].map((n) => publicClient.getBlock({ blockNumber: n })));
    assert.equal(b.timestamp - a.timestamp, 30n);
    const before = (await publicClient.getBlock()).timestamp;
    await testClient.increaseTime({ seconds: 86_400 });
    await testClient.mine({ blocks: 1 });
    assert.ok((await publicClient.getBlock()).timestamp >= before + 86_400n);
  });

  test('snapshot and revert undo blocks and state edits', async () => {
    const id = await testClient.snapshot();
    const block = await publicClient.getBlockNumber({ cacheTime: 0 });
    await testClient.setBalance({ address: stranger, value: 1n });
    await testClient.mine({ blocks: 2 });
    await testClient.revert({ id });
    assert.equal(await publicClient.getBlockNumber({ cacheTime: 0 }), block);
    assert.notEqual(await publicClient.getBalance({ address: stranger }), 1n);
  });

  test('setNextBlockBaseFeePerGas, setCoinbase, setBlockGasLimit and dropTransaction', async () => {
    await testClient.setNextBlockBaseFeePerGas({ baseFeePerGas: 2_000_000n });
    await testClient.setCoinbase({ address: whale });
    await testClient.setBlockGasLimit({ gasLimit: 40_000_000n });
    await testClient.mine({ blocks: 1 });
    const block = await publicClient.getBlock();
    assert.equal(block.baseFeePerGas, 2_000_000n);
    assert.equal(getAddress(block.miner), getAddress(whale));
    assert.equal(block.gasLimit, 40_000_000n);

    await testClient.setAutomine(false);
    try {
      await testClient.impersonateAccount({ address: whale });
      const hash = await walletFor(whale).sendTransaction({ to: stranger, value: 1n });
      await testClient.dropTransaction({ hash });
      await testClient.mine({ blocks: 1 });
      assert.equal((await publicClient.getBlock()).transactions.length, 0);
    } finally {
      await testClient.setAutomine(true);
    }
  });
});

describe('state edits in a data directory', { skip, timeout: 300_000 }, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-edits-'));
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  test('setBalance, setCode and setStorageAt survive a restart, before and after the next block', async () => {
    let first = await startNode({ dataDir });
    let headHash;
    try {
      const { publicClient, testClient } = clients(first);
      await testClient.setCode({ address: stranger, bytecode: slotZeroReader });
      await testClient.setStorageAt({ address: stranger, index: 0, value: '0x' + '07'.padStart(64, '0') });
      await testClient.mine({ blocks: 1 });
      await testClient.setBalance({ address: stranger, value: 12345n }); // after the head: not in any block yet
      headHash = (await publicClient.getBlock()).hash;
    } finally {
      await first.stop();
    }

    const second = await startNode({ dataDir });
    try {
      const { publicClient, testClient } = clients(second);
      assert.equal((await publicClient.getBlock()).hash, headHash);
      assert.equal(await publicClient.getBalance({ address: stranger }), 12345n);
      assert.equal(BigInt((await publicClient.call({ to: stranger })).data), 7n);
      await testClient.mine({ blocks: 1 });
      assert.equal(await publicClient.getBalance({ address: stranger }), 12345n);
    } finally {
      await second.stop();
    }
  });
});
