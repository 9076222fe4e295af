import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { network } from "hardhat";
import { parseEther } from "viem";

const { viem } = await network.create({ network: "hyperion" });
const publicClient = await viem.getPublicClient();

describe("Counter on Hyperion", () => {
  it("deploys, writes and reads", async () => {
    const counter = await viem.deployContract("Counter");
    await counter.write.inc();
    await counter.write.incBy([41n]);
    assert.equal(await counter.read.x(), 42n);
  });

  it("emits events that getContractEvents finds", async () => {
    const counter = await viem.deployContract("Counter");
    const from = await publicClient.getBlockNumber();
    for (let i = 1n; i <= 3n; i++) await counter.write.incBy([i]);
    const events = await publicClient.getContractEvents({ address: counter.address, abi: counter.abi, eventName: "Increment", fromBlock: from, strict: true });
    assert.deepEqual(events.map((e) => e.args.by), [1n, 2n, 3n]);
  });

  it("reports a revert reason", async () => {
    const counter = await viem.deployContract("Counter");
    await assert.rejects(counter.write.incBy([0n]), /incBy: increment should be positive/);
  });

  it("sends ether between the node's accounts", async () => {
    const [alice, bob] = await viem.getWalletClients();
    const before = await publicClient.getBalance({ address: bob.account.address });
    const hash = await alice.sendTransaction({ to: bob.account.address, value: parseEther("1.5") });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    assert.equal(await publicClient.getBalance({ address: bob.account.address }), before + parseEther("1.5"));
  });
});
