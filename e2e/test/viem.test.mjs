// viem against the node: deploy, ERC20 reads/writes, events, custom errors, gas estimation, EIP-1559 fees.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicClient, createWalletClient, http, parseEther, BaseError, ContractFunctionRevertedError, defineChain } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { compileContracts } from '../lib/compile.mjs';
import { startNode, devKeys } from '../lib/node.mjs';

const node = await startNode();
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

describe('viem', { skip, timeout: 120_000 }, () => {
  after(async () => { await node.stop?.(); });
  const { contracts } = compileContracts();
  const chain = skip ? undefined : defineChain({
    id: Number(node.chainId), name: 'dev', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [node.url] } },
  });
  const transport = skip ? undefined : http(node.url);
  const alice = privateKeyToAccount(devKeys[0]);
  const bob = privateKeyToAccount(devKeys[1]);
  const publicClient = skip ? undefined : createPublicClient({ chain, transport, pollingInterval: 100 });
  const wallet = skip ? undefined : createWalletClient({ chain, transport, account: alice });

  async function deploy(name, args = []) {
    const hash = await wallet.deployContract({ abi: contracts[name].abi, bytecode: contracts[name].bytecode, args });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    return receipt.contractAddress;
  }

  test('ERC20: deploy, transfer, balanceOf, allowance, Transfer events', async () => {
    const abi = contracts.HyperionToken.abi;
    const token = await deploy('HyperionToken', [parseEther('1000')]);
    const hash = await wallet.writeContract({ address: token, abi, functionName: 'transfer', args: [bob.address, 42n] });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    assert.equal(await publicClient.readContract({ address: token, abi, functionName: 'balanceOf', args: [bob.address] }), 42n);
    await publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({ address: token, abi, functionName: 'approve', args: [bob.address, 9n] }),
    });
    assert.equal(await publicClient.readContract({ address: token, abi, functionName: 'allowance', args: [alice.address, bob.address] }), 9n);
    const logs = await publicClient.getContractEvents({ address: token, abi, eventName: 'Transfer', fromBlock: 0n, args: { to: bob.address } });
    assert.equal(logs.length, 1);
    assert.equal(logs[0].args.value, 42n);
  });

  test('custom errors and require reasons are decoded', async () => {
    const abi = contracts.Registry.abi;
    const registry = await deploy('Registry');
    await publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({ address: registry, abi, functionName: 'register', args: ['viem'] }),
    });
    const revertOf = async (promise) => {
      try { await promise; } catch (err) {
        assert.ok(err instanceof BaseError);
        const revert = err.walk((e) => e instanceof ContractFunctionRevertedError);
        assert.ok(revert, `not a revert: ${err.message}`);
        return revert;
      }
      assert.fail('expected a revert');
    };
    const taken = await revertOf(publicClient.simulateContract({ address: registry, abi, functionName: 'register', args: ['viem'], account: alice }));
    assert.equal(taken.data?.errorName, 'NameTaken');
    assert.deepEqual(taken.data?.args, ['viem']);
    const empty = await revertOf(publicClient.simulateContract({ address: registry, abi, functionName: 'register', args: [''], account: alice }));
    assert.equal(empty.reason, 'empty name');
  });

  test('estimateGas, fees and an EIP-1559 value transfer', async () => {
    const gas = await publicClient.estimateGas({ account: alice, to: bob.address, value: 1n });
    assert.equal(gas, 21000n);
    const fees = await publicClient.estimateFeesPerGas();
    assert.ok(fees.maxFeePerGas > 0n);
    const before = await publicClient.getBalance({ address: bob.address });
    const hash = await wallet.sendTransaction({ to: bob.address, value: 5n });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.type, 'eip1559');
    assert.equal(await publicClient.getBalance({ address: bob.address }), before + 5n);
    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber, includeTransactions: true });
    assert.ok(block.transactions.some((t) => t.hash === hash));
  });

  test('eth_call may use more gas than the block gas limit (bounded by the RPC gas cap)', async () => {
    const { gasLimit } = await publicClient.getBlock();
    const needed = gasLimit + 5_000_000n;
    // GAS > needed ? return 1 : revert
    const code = `0x5a63${needed.toString(16).padStart(8, '0')}10600f5760006000fd5b600160005260206000f3`;
    const target = '0x00000000000000000000000000000000000000cc';
    const result = await publicClient.request({
      method: 'eth_call',
      params: [{ to: target, gas: `0x${(needed + 100_000n).toString(16)}` }, 'latest', { [target]: { code } }],
    });
    assert.equal(BigInt(result), 1n);
  });
});

// When the node cannot start, report the suite as one skipped test with the reason.
if (skip) test('viem suite', { skip }, () => {});
