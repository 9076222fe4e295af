// anvil_dumpState / anvil_loadState / anvil_reset, eth_simulateV1 and eth_getTransactionBySenderAndNonce through
// viem, side by side with anvil: the same calls on both nodes, and dumps carried from one node to the other. Resets are
// plain anvil_reset calls: anvil refuses viem's testClient.reset() shape ({forking: {blockNumber: null}}) when not
// forking (this node takes it, see StateDumpTests).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicClient, createTestClient, createWalletClient, http, parseEther, defineChain, encodeFunctionData, parseAbi } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { devKeys, startNode } from '../lib/node.mjs';

const stranger = '0x1234567890abcdef1234567890abcdef12345678';
// PUSH1 0 SLOAD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN: answers storage slot 0.
const slotZeroReader = '0x60005460005260206000f3';
// Reverts with Error("nope") whatever the input: CODECOPY the 100 bytes of revert data after the 12-byte prefix, REVERT.
const nopeData = '08c379a0' + '20'.padStart(64, '0') + '4'.padStart(64, '0') + '6e6f7065'.padEnd(64, '0');
const reverter = '0x6064600c60003960646000fd' + nopeData;
const alice = privateKeyToAccount(devKeys[0]);

function clients(node) {
  const chain = defineChain({
    id: Number(node.chainId), name: 'dev', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [node.url] } },
  });
  const transport = http(node.url);
  return {
    publicClient: createPublicClient({ chain, transport, pollingInterval: 100 }),
    testClient: createTestClient({ chain, transport, mode: 'anvil' }),
    wallet: createWalletClient({ chain, transport, account: alice }),
  };
}

const [hyperion, anvil] = await Promise.all([startNode(), startNode({ kind: 'anvil' })]);
const skip = hyperion.unavailable ? `node unavailable: ${hyperion.unavailable}` : anvil.unavailable ? `anvil unavailable: ${anvil.unavailable}` : false;
const nodes = skip ? [] : [hyperion, anvil].map((node) => ({ node, ...clients(node) }));

async function plantState({ testClient }) {
  await testClient.setBalance({ address: stranger, value: parseEther('3') });
  await testClient.setCode({ address: stranger, bytecode: slotZeroReader });
  await testClient.setStorageAt({ address: stranger, index: 0, value: '0x' + '42'.padStart(64, '0') });
  await testClient.setNonce({ address: stranger, nonce: 7 });
}

async function plantedState({ publicClient }) {
  return {
    balance: await publicClient.getBalance({ address: stranger }),
    code: await publicClient.getCode({ address: stranger }),
    slot: await publicClient.getStorageAt({ address: stranger, slot: '0x0' }),
    nonce: await publicClient.getTransactionCount({ address: stranger }),
  };
}

describe('state dumps, reset, eth_simulateV1 beside anvil', { skip, timeout: 240_000 }, () => {
  after(async () => { await Promise.all([hyperion.stop?.(), anvil.stop?.()]); });

  test('dumpState -> reset -> loadState round-trips the state on both nodes', async () => {
    const seen = [];
    for (const clientSet of nodes) {
      const { testClient, publicClient, wallet } = clientSet;
      await plantState(clientSet);
      const hash = await wallet.sendTransaction({ to: stranger, value: 5n });
      await publicClient.waitForTransactionReceipt({ hash });
      const before = await plantedState(clientSet);
      const aliceBalance = await publicClient.getBalance({ address: alice.address });
      const dump = await testClient.dumpState();
      assert.match(dump, /^0x1f8b/, 'a gzip stream, hex-encoded');

      await clientSet.node.rpc('anvil_reset', []);
      assert.equal(await publicClient.getBalance({ address: stranger }), 0n, `${clientSet.node.kind}: reset clears the edits`);
      assert.equal(await publicClient.getCode({ address: stranger }), undefined);

      await testClient.loadState({ state: dump });
      assert.deepEqual(await plantedState(clientSet), before, `${clientSet.node.kind}: loadState restores what dumpState saw`);
      assert.equal(await publicClient.getBalance({ address: alice.address }), aliceBalance);
      seen.push(before);
    }
    assert.deepEqual(seen[0], seen[1], 'both nodes hold the same state');
  });

  test("a dump from anvil loads here, and one from here loads into anvil", async () => {
    const [ours, theirs] = nodes;
    for (const [from, to] of [[theirs, ours], [ours, theirs]]) {
      await to.node.rpc('anvil_reset', []);
      await from.node.rpc('anvil_reset', []);
      await plantState(from);
      const expected = await plantedState(from);
      await to.testClient.loadState({ state: await from.testClient.dumpState() });
      assert.deepEqual(await plantedState(to), expected, `${from.node.kind} -> ${to.node.kind}`);
    }
  });

  test('hardhat_reset with a fork URL is a clear error here', async () => {
    await assert.rejects(hyperion.rpc('hardhat_reset', [{ forking: { jsonRpcUrl: 'http://127.0.0.1:1' } }]), /forking is not supported/);
  });

  test('viem simulateBlocks / simulateCalls answer as anvil does', async () => {
    const answers = [];
    for (const { testClient, publicClient, node } of nodes) {
      await node.rpc('anvil_reset', []);
      await testClient.setCode({ address: stranger, bytecode: reverter });
      const blocks = await publicClient.simulateBlocks({
        blocks: [
          { calls: [{ account: alice.address, to: '0x000000000000000000000000000000000000dEaD', value: parseEther('1') }] },
          {
            stateOverrides: [{ address: '0x000000000000000000000000000000000000c0de', code: slotZeroReader, stateDiff: [{ slot: '0x' + '0'.repeat(64), value: '0x' + '9'.padStart(64, '0') }] }],
            calls: [{ account: alice.address, to: '0x000000000000000000000000000000000000c0de' }, { account: alice.address, to: stranger }],
          },
        ],
        traceTransfers: true,
      });
      const calls = await publicClient.simulateCalls({
        account: alice.address,
        calls: [{ to: '0x000000000000000000000000000000000000dEaD', value: 7n }, { to: stranger }],
      });
      answers.push({
        blocks: blocks.map((b) => ({
          number: b.number - blocks[0].number,
          gasUsed: b.gasUsed,
          transactions: b.transactions.length,
          calls: b.calls.map((c) => ({ status: c.status, data: c.data, gasUsed: c.gasUsed, logs: c.logs.map((l) => ({ address: l.address.toLowerCase(), topics: l.topics, data: l.data })), error: c.error?.name })),
        })),
        calls: calls.results.map((r) => ({ status: r.status, data: r.data, gasUsed: r.gasUsed })),
      });
    }
    assert.deepEqual(answers[0], answers[1]);
    assert.equal(answers[0].blocks[0].calls[0].logs.length, 1, 'traceTransfers logs the ether moved');
    assert.equal(answers[0].blocks[1].calls[1].status, 'failure');
  });

  test('eth_getTransactionBySenderAndNonce answers the mined transaction on both nodes', async () => {
    const found = [];
    for (const { testClient, publicClient, wallet, node } of nodes) {
      await node.rpc('anvil_reset', []);
      const hash = await wallet.sendTransaction({ to: stranger, value: 1n, data: encodeFunctionData({ abi: parseAbi(['function f(uint256)']), args: [1n] }) });
      await publicClient.waitForTransactionReceipt({ hash });
      const tx = await node.rpc('eth_getTransactionBySenderAndNonce', [alice.address, '0x0']);
      assert.equal(tx.hash, hash);
      assert.equal(await node.rpc('eth_getTransactionBySenderAndNonce', [alice.address, '0x1']), null);
      found.push({ from: tx.from.toLowerCase(), nonce: tx.nonce, to: tx.to, value: tx.value, input: tx.input, blockNumber: tx.blockNumber, transactionIndex: tx.transactionIndex });
    }
    assert.deepEqual(found[0], found[1]);
  });

  test('trace_transaction, 4byteTracer and prestateTracer answer as anvil does for a transfer', async () => {
    const answers = [];
    for (const { testClient, publicClient, wallet, node } of nodes) {
      await node.rpc('anvil_reset', []);
      const hash = await wallet.sendTransaction({ to: stranger, value: 3n, data: '0x12345678aabb' });
      await publicClient.waitForTransactionReceipt({ hash });
      const [trace] = await node.rpc('trace_transaction', [hash]);
      const fourByte = await node.rpc('debug_traceTransaction', [hash, { tracer: '4byteTracer' }]);
      const prestate = await node.rpc('debug_traceTransaction', [hash, { tracer: 'prestateTracer' }]);
      answers.push({
        type: trace.type, callType: trace.action.callType, from: trace.action.from, to: trace.action.to, value: trace.action.value,
        input: trace.action.input, output: trace.result.output, subtraces: trace.subtraces, traceAddress: trace.traceAddress,
        transactionPosition: trace.transactionPosition, fourByte,
        senderBefore: prestate[alice.address.toLowerCase()]?.balance, strangerBefore: prestate[stranger]?.balance ?? null,
      });
    }
    assert.deepEqual(answers[0], answers[1]);
  });
});
