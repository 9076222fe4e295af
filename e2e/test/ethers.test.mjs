// ethers v6 against the node: deploy, ERC20 transfers and allowances, events, filters, WebSocket subscriptions,
// revert reasons and custom errors, gas estimation, legacy and EIP-1559 transactions, many in flight.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { compileContracts } from '../lib/compile.mjs';
import { startNode, devKeys } from '../lib/node.mjs';

const node = await startNode();
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

describe('ethers v6', { skip, timeout: 120_000 }, () => {
  let provider, alice, bob, token, registry;
  const { contracts } = compileContracts();

  before(async () => {
    provider = new ethers.JsonRpcProvider(node.url, undefined, { pollingInterval: 100, cacheTimeout: -1 });
    alice = new ethers.NonceManager(new ethers.Wallet(devKeys[0], provider));
    bob = new ethers.Wallet(devKeys[1], provider);
    const tokenFactory = new ethers.ContractFactory(contracts.HyperionToken.abi, contracts.HyperionToken.bytecode, alice);
    token = await tokenFactory.deploy(ethers.parseEther('1000000'));
    await token.waitForDeployment();
    const registryFactory = new ethers.ContractFactory(contracts.Registry.abi, contracts.Registry.bytecode, alice);
    registry = await registryFactory.deploy();
    await registry.waitForDeployment();
  });

  after(async () => {
    provider?.destroy();
    await node.stop?.();
  });

  test('chain id and dev accounts are funded', async () => {
    const network = await provider.getNetwork();
    assert.equal(network.chainId, node.chainId);
    assert.ok((await provider.getBalance(bob.address)) > ethers.parseEther('1000'));
  });

  test('ERC20 deploy, transfer and balances', async () => {
    assert.equal(await token.symbol(), 'HYP');
    const receipt = await (await token.transfer(bob.address, ethers.parseEther('10'))).wait();
    assert.equal(receipt.status, 1);
    assert.equal(await token.balanceOf(bob.address), ethers.parseEther('10'));
  });

  test('allowances: approve and transferFrom', async () => {
    const aliceAddress = await alice.getAddress();
    await (await token.approve(bob.address, ethers.parseEther('5'))).wait();
    assert.equal(await token.allowance(aliceAddress, bob.address), ethers.parseEther('5'));
    const asBob = token.connect(bob);
    await (await asBob.transferFrom(aliceAddress, bob.address, ethers.parseEther('2'))).wait();
    assert.equal(await token.allowance(aliceAddress, bob.address), ethers.parseEther('3'));
  });

  test('events through getLogs and queryFilter', async () => {
    const receipt = await (await registry.register('alpha', { value: 7n })).wait();
    const parsed = receipt.logs.map((l) => registry.interface.parseLog(l)).filter(Boolean);
    assert.equal(parsed[0].name, 'Registered');
    assert.equal(parsed[0].args.name, 'alpha');
    const logs = await provider.getLogs({
      address: await registry.getAddress(),
      topics: [registry.interface.getEvent('Registered').topicHash],
      fromBlock: receipt.blockNumber,
      toBlock: receipt.blockNumber,
    });
    assert.equal(logs.length, 1);
    assert.equal(logs[0].transactionHash, receipt.hash);
    const events = await registry.queryFilter(registry.filters.Registered(await alice.getAddress()), 0, 'latest');
    assert.ok(events.some((e) => e.args.name === 'alpha'));
  });

  test('polling filter delivers new events', async () => {
    const seen = new Promise((resolve) => registry.once('Registered', (owner, nameHash, name) => resolve(name)));
    await (await registry.register('filtered')).wait();
    assert.equal(await withTimeout(seen, 15000, 'filter event'), 'filtered');
  });

  test('WebSocket subscriptions: newHeads and logs', async () => {
    const ws = new ethers.WebSocketProvider(node.wsUrl);
    try {
      const wsRegistry = registry.connect(ws);
      const head = new Promise((resolve) => ws.once('block', resolve));
      const event = new Promise((resolve) => wsRegistry.once('Registered', (o, h, name) => resolve(name)));
      await new Promise((r) => setTimeout(r, 300)); // let the subscriptions be installed
      await (await registry.register('subscribed')).wait();
      assert.ok((await withTimeout(head, 15000, 'newHeads')) > 0);
      assert.equal(await withTimeout(event, 15000, 'logs subscription'), 'subscribed');
    } finally {
      // Unsubscribe before closing, or ethers' pending eth_unsubscribe fails after the test ends.
      await registry.connect(ws).removeAllListeners();
      await ws.removeAllListeners();
      await new Promise((r) => setTimeout(r, 200));
      await ws.destroy();
    }
  });

  test('revert reasons and custom errors are decoded', async () => {
    await (await registry.register('taken')).wait();
    // eth_call: ethers decodes the revert data with the contract's ABI.
    await assert.rejects(registry.register.staticCall('taken'), (err) => {
      assert.equal(err.revert?.name, 'NameTaken');
      assert.equal(err.revert?.args[0], 'taken');
      return true;
    });
    await assert.rejects(registry.register.staticCall(''), (err) => {
      assert.equal(err.reason, 'empty name');
      return true;
    });
    await assert.rejects(registry.connect(bob).clear.staticCall(), (err) => {
      assert.equal(err.revert?.name, 'NotOwner');
      assert.equal(err.revert?.args[0], bob.address);
      return true;
    });
    await assert.rejects(registry.divide(1, 0), (err) => {
      assert.equal(err.revert?.name, 'Panic');
      assert.equal(BigInt(err.revert?.args[0]), 0x12n);
      return true;
    });
    // A transaction that would revert fails at estimateGas with the revert data (JSON-RPC error code 3).
    await assert.rejects(registry.register('taken'), (err) => {
      assert.equal(err.code, 'CALL_EXCEPTION');
      assert.equal(registry.interface.parseError(err.data)?.name, 'NameTaken');
      return true;
    });
    alice.reset(); // the NonceManager counted the nonce of the transaction that was never sent
  });

  test('estimateGas matches what the transaction uses', async () => {
    const estimate = await token.transfer.estimateGas(bob.address, 1n);
    const receipt = await (await token.transfer(bob.address, 1n, { gasLimit: estimate })).wait();
    assert.equal(receipt.status, 1);
    assert.ok(receipt.gasUsed <= estimate && receipt.gasUsed > 21000n);
  });

  test('legacy and EIP-1559 transactions', async () => {
    const gasPrice = (await provider.getFeeData()).gasPrice;
    const legacy = await (await alice.sendTransaction({ to: bob.address, value: 1n, type: 0, gasPrice })).wait();
    assert.equal(legacy.type, 0);
    const dynamic = await (await alice.sendTransaction({ to: bob.address, value: 1n, type: 2 })).wait();
    assert.equal(dynamic.type, 2);
    const block = await provider.getBlock(dynamic.blockNumber);
    assert.ok(block.baseFeePerGas !== null);
  });

  test('many transactions in flight from one sender', async () => {
    const before = await provider.getBalance(bob.address);
    const sent = [];
    for (let i = 0; i < 50; i++) sent.push(await alice.sendTransaction({ to: bob.address, value: 1000n }));
    const receipts = await Promise.all(sent.map((tx) => tx.wait()));
    assert.ok(receipts.every((r) => r.status === 1));
    assert.equal(await provider.getBalance(bob.address), before + 50_000n);
  });
});

function withTimeout(promise, ms, what) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))]);
}

// When the node cannot start, report the suite as one skipped test with the reason.
if (skip) test('ethers v6 suite', { skip }, () => {});
