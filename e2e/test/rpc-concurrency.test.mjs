// A long request must not hold up other clients' short ones. `hyperion dev` answers short reads on the socket engine's
// own thread (inline socket completions and Kestrel's inline scheduling, as anvil's tokio does); every other method
// moves to the thread pool first (RpcDispatcher, ThreadPoolHop). Without that move, an eth_call that runs the EVM for
// seconds would run on the engine's thread and stall every connection that thread serves: here, infinite loops on six
// connections (the engines take connections in turn, so each engine gets some) while four other, already open
// connections ask for the block number. An eth_call stays on the engine's thread only when the same request used little
// gas last time on the same head (ShortCallRecord): the second test makes such a call loop after a new block.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startNode } from '../lib/node.mjs';
import { rawConnection } from '../lib/http-rpc.mjs';

const EVM_TIMEOUT_MS = 2000;
const node = await startNode({ extraArgs: ['--rpc-gas-cap', '0', '--rpc-evm-timeout', `${EVM_TIMEOUT_MS}ms`] });
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : node.kind === 'anvil' ? 'Hyperion only (its --rpc-evm-timeout)' : false;
after(() => node.stop?.());

const body = (method, params = []) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
// JUMPDEST PUSH1 0 JUMP: loops until the gas (unbounded here) or the node's EVM time limit runs out.
const loopForever = body('eth_call', [
  { to: '0x00000000000000000000000000000000000c0de1', gas: '0xffffffffffffff' },
  'latest',
  { '0x00000000000000000000000000000000000c0de1': { code: '0x5b600056' } },
]);

// Stops when NUMBER (the call's block: the head's + 1) is 1, loops otherwise: short on the genesis head, endless after a block.
const shortUntilABlock = body('eth_call', [
  { to: '0x00000000000000000000000000000000000c0de2', gas: '0xffffffffffffff' },
  'latest',
  { '0x00000000000000000000000000000000000c0de2': { code: '0x43600114600c575b600756005b00' } },
]);

/** Sends `longCall` on six connections, then eth_blockNumber on four open ones: each must be answered before any long call. */
async function quickWhileLong(longCall, expectedBlock) {
  const quick = Array.from({ length: 4 }, () => rawConnection(node.url));
  const slow = Array.from({ length: 6 }, () => rawConnection(node.url));
  try {
    for (const connection of quick) {
      JSON.parse(await connection.post(body('eth_blockNumber'))); // open and served once before the long calls
    }

    const started = performance.now();
    let firstLongAnswer = Infinity;
    const longCalls = slow.map((connection) => connection.post(longCall).then((text) => {
      firstLongAnswer = Math.min(firstLongAnswer, performance.now());
      return JSON.parse(text);
    }));
    await sleep(500); // the long calls are read and running

    const quickAnswers = await Promise.all(quick.map(async (connection) => {
      const answer = JSON.parse(await connection.post(body('eth_blockNumber')));
      return { answer, at: performance.now() };
    }));
    const longAnswers = await Promise.all(longCalls);

    for (const long of longAnswers) {
      assert.ok(long.error, `the endless loop ends with an error (the EVM time limit): ${JSON.stringify(long)}`);
    }
    assert.ok(firstLongAnswer - started >= EVM_TIMEOUT_MS * 0.9, `the long calls ran for their time limit (first answered after ${Math.round(firstLongAnswer - started)} ms)`);
    for (const { answer, at } of quickAnswers) {
      assert.equal(answer.result, expectedBlock);
      assert.ok(at < firstLongAnswer, `eth_blockNumber answered ${Math.round(at - firstLongAnswer)} ms after the first long call, not before it`);
    }
  } finally {
    for (const connection of [...quick, ...slow]) connection.close();
  }
}

test('short requests are answered while long eth_calls run on other connections', { skip, timeout: 60_000 }, async () => {
  await quickWhileLong(loopForever, '0x0');
});

test('an eth_call that was short before a new block and loops after it does not hold the socket thread', { skip, timeout: 60_000 }, async () => {
  const connection = rawConnection(node.url);
  try {
    for (let i = 0; i < 5; i++) { // short on this head: the node records it, and answers it where it reads it
      const answer = JSON.parse(await connection.post(shortUntilABlock));
      assert.equal(answer.result, '0x', JSON.stringify(answer));
    }
    assert.equal(JSON.parse(await connection.post(body('evm_mine'))).error, undefined);
  } finally {
    connection.close();
  }
  await quickWhileLong(shortUntilABlock, '0x1');
});
