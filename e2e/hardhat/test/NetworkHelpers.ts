// Hardhat's network helpers against the node: they accept it (web3_clientVersion leads with "anvil") and each helper
// has the effect Hardhat's own network gives it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { getAddress, parseEther, type Address, type Hex } from "viem";

const { viem, networkHelpers: helpers, provider } = await network.create({ network: "hyperion" });
const publicClient = await viem.getPublicClient();
const stranger: Address = "0x1234567890AbcdEF1234567890aBcdef12345678";

async function deployCounter() {
  const counter = await viem.deployContract("Counter");
  await counter.write.incBy([7n]);
  return { counter };
}

async function latestBlock() {
  return publicClient.getBlock({ blockTag: "latest" });
}

describe("Hardhat network helpers on Hyperion", () => {
  it("mine mines blocks, spaced by the interval", async () => {
    const before = await helpers.time.latestBlock();
    await helpers.mine();
    assert.equal(await helpers.time.latestBlock(), before + 1);
    await helpers.mine(5, { interval: 60 });
    assert.equal(await helpers.time.latestBlock(), before + 6);
    const blocks = await Promise.all([before + 5, before + 6].map((n) => publicClient.getBlock({ blockNumber: BigInt(n) })));
    assert.equal(blocks[1].timestamp - blocks[0].timestamp, 60n);
    await helpers.mineUpTo(before + 8);
    assert.equal(await helpers.time.latestBlock(), before + 8);
  });

  it("time.increase, increaseTo and latest move the next block's timestamp", async () => {
    const now = await helpers.time.latest();
    const increased = await helpers.time.increase(3600);
    assert.equal(increased, now + 3600);
    assert.equal(await helpers.time.latest(), now + 3600);
    await helpers.time.increaseTo(now + 7200);
    assert.equal(await helpers.time.latest(), now + 7200);
    await helpers.time.setNextBlockTimestamp(now + 9000);
    await helpers.mine();
    assert.equal(await helpers.time.latest(), now + 9000);
  });

  it("setBalance, setNonce and setCode edit an account at once", async () => {
    await helpers.setBalance(stranger, parseEther("12.5"));
    assert.equal(await publicClient.getBalance({ address: stranger }), parseEther("12.5"));
    await helpers.setNonce(stranger, 42);
    assert.equal(await publicClient.getTransactionCount({ address: stranger }), 42);
    // PUSH1 0x2a PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN: answers 42 to any call.
    const code: Hex = "0x602a60005260206000f3";
    await helpers.setCode(stranger, code);
    assert.equal(await publicClient.getCode({ address: stranger }), code);
    assert.equal(BigInt((await publicClient.call({ to: stranger })).data!), 42n);
  });

  it("setStorageAt and getStorageAt write and read a contract's slot", async () => {
    const counter = await viem.deployContract("Counter");
    await helpers.setStorageAt(counter.address, 0, 1234);
    assert.equal(await counter.read.x(), 1234n);
    assert.equal(BigInt(await helpers.getStorageAt(counter.address, 0)), 1234n);
    await counter.write.inc();
    assert.equal(await counter.read.x(), 1235n);
  });

  it("takeSnapshot and restore return to the snapshot's chain and state", async () => {
    const counter = await viem.deployContract("Counter");
    const snapshot = await helpers.takeSnapshot();
    const block = await helpers.time.latestBlock();
    await counter.write.incBy([5n]);
    await helpers.setBalance(stranger, 1n);
    await snapshot.restore();
    assert.equal(await helpers.time.latestBlock(), block);
    assert.equal(await counter.read.x(), 0n);
    await snapshot.restore(); // restore takes a new snapshot, so it can be used again
    assert.equal(await counter.read.x(), 0n);
  });

  it("loadFixture runs the fixture once and restores its state afterwards", async () => {
    const { counter } = await helpers.loadFixture(deployCounter);
    assert.equal(await counter.read.x(), 7n);
    await counter.write.incBy([3n]);
    assert.equal(await counter.read.x(), 10n);
    const { counter: again } = await helpers.loadFixture(deployCounter);
    assert.equal(again.address, counter.address);
    assert.equal(await again.read.x(), 7n);
  });

  it("impersonateAccount lets the node send from an account it holds no key for", async () => {
    const [alice] = await viem.getWalletClients();
    const whale: Address = "0x00000000219ab540356cBB839Cbe05303d7705Fa";
    await helpers.setBalance(whale, parseEther("100"));
    await helpers.impersonateAccount(whale);
    const impersonated = await viem.getWalletClient(whale);
    const hash = await impersonated.sendTransaction({ to: alice.account.address, value: parseEther("1") });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    assert.equal(getAddress(receipt.from), getAddress(whale));
    await helpers.stopImpersonatingAccount(whale);
    await assert.rejects(impersonated.sendTransaction({ to: alice.account.address, value: 1n }));
  });

  it("setNextBlockBaseFeePerGas, setCoinbase, setPrevRandao and setBlockGasLimit shape the next block", async () => {
    const coinbase: Address = "0x000000000000000000000000000000000000c0b1";
    const prevRandao = 0x1234n;
    await helpers.setNextBlockBaseFeePerGas(1_000_000n);
    await helpers.setCoinbase(coinbase);
    await helpers.setPrevRandao(prevRandao);
    await helpers.setBlockGasLimit(25_000_000);
    await helpers.mine();
    const block = await latestBlock();
    assert.equal(block.baseFeePerGas, 1_000_000n);
    assert.equal(getAddress(block.miner), getAddress(coinbase));
    assert.equal(BigInt(block.mixHash), prevRandao);
    assert.equal(block.gasLimit, 25_000_000n);
  });

  it("dropTransaction removes a pending transaction", async () => {
    const [alice, bob] = await viem.getWalletClients();
    await provider.request({ method: "evm_setAutomine", params: [false] });
    try {
      const hash = await alice.sendTransaction({ to: bob.account.address, value: 1n });
      assert.equal(await helpers.dropTransaction(hash), true);
      assert.equal(await helpers.dropTransaction(hash), false);
      await helpers.mine();
      assert.equal((await latestBlock()).transactions.length, 0);
    } finally {
      await provider.request({ method: "evm_setAutomine", params: [true] });
    }
  });
});
