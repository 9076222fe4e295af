// The withdrawal contracts on their own: L2OutputOracle and the OptimismPortal's prove/finalize on anvil (L1), fed
// with REAL storage proofs: the L2ToL1MessagePasser runs on a Hyperion dev chain (`hyperion dev`), withdrawals are
// initiated there, and eth_getProof of that chain gives the message passer's storage root and proofs that go into
// the output roots posted on L1. No rollup node is involved (the devnet suite, rollup-withdraw.test.mjs, runs the
// whole flow); here each contract rule is checked, including the refusals.
// Prints the L1 gas of proposeL2Output, proveWithdrawalTransaction and finalizeWithdrawalTransaction.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ethers } from 'ethers';
import { compileContracts, contractsDir } from '../lib/compile.mjs';
import { startNode, devKeys, mnemonic } from '../lib/node.mjs';

const l1 = await startNode({ kind: 'anvil' });
const l2 = l1.unavailable ? null : await startNode({ kind: 'hyperion' });
const skip = l1.unavailable ? `anvil unavailable: ${l1.unavailable}` : l2.unavailable ? `hyperion dev unavailable: ${l2.unavailable}` : false;

const FINALIZATION_PERIOD = 100n;
const SUBMISSION_INTERVAL = 2n;
const { contracts } = compileContracts(path.join(contractsDir, 'rollup'));
const baseContracts = compileContracts().contracts;
const MESSAGE_PASSER = '0x4200000000000000000000000000000000000016';
const L2_MESSENGER = '0x4200000000000000000000000000000000000007';
const L2_BRIDGE = '0x4200000000000000000000000000000000000010';
const L2_FACTORY = '0x4200000000000000000000000000000000000012';
const LEGACY_ETH = '0xDeadDeAddeAddEAddeadDEaDDEAdDeaDDeAD0000';
const gas = {};

// No response cache: plain wallets must read each pending nonce afresh.
const provider = (url) => new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true, polling: true, pollingInterval: 50, cacheTimeout: -1 });
// Plain wallets (each send reads the pending nonce): a NonceManager would count a send refused at estimation.
const devWallet = (index, p) => ethers.HDNodeWallet.fromPhrase(mnemonic, undefined, `m/44'/60'/0'/0/${index}`).connect(p);
const deploy = async (name, signer, ...args) => {
  const contract = await new ethers.ContractFactory(contracts[name].abi, contracts[name].bytecode, signer).deploy(...args);
  await contract.deploymentTransaction().wait();
  return contract;
};

/** Asserts that `promise` reverts with the custom error `name` (decoded with `iface`, which includes library errors). */
async function reverts(promise, name) {
  await assert.rejects(promise, (e) => {
    const data = e.data ?? e.info?.error?.data ?? e.error?.data;
    const decoded = e.revert?.name ?? (typeof data === 'string' && data.length >= 10 ? errorsByData(data) : undefined);
    assert.equal(decoded, name, `expected ${name}, got ${decoded ?? e.shortMessage ?? e.message}`);
    return true;
  });
}
const NOT_PROPOSED = 'L2OutputOracle: cannot get output for a block that has not been proposed';
/** Asserts that `promise` reverts with Error(string) `message`. */
async function revertsWith(promise, message) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.revert?.name, 'Error', `expected Error(string), got ${e.revert?.name ?? e.shortMessage ?? e.message}`);
    assert.equal(e.revert.args[0], message);
    return true;
  });
}
const errorInterfaces = ['OptimismPortal', 'L2OutputOracle', 'L1CrossDomainMessenger', 'L1StandardBridge'].map((n) => new ethers.Interface(contracts[n].abi));
function errorsByData(data) {
  for (const iface of errorInterfaces) {
    try {
      const error = iface.parseError(data);
      if (error) return error.name;
    } catch { /* not this contract's */ }
  }
  return undefined;
}

describe('rollup withdrawal contracts: output oracle and portal with real storage proofs', { skip, timeout: 600_000 }, () => {
  const L1 = skip ? null : provider(l1.url);
  const L2 = skip ? null : provider(l2.url);
  const deployer = skip ? null : devWallet(0, L1);
  const proposer = skip ? null : devWallet(1, L1);
  const challenger = skip ? null : devWallet(2, L1);
  const l2Users = skip ? [] : [new ethers.Wallet(devKeys[0], L2), new ethers.Wallet(devKeys[1], L2)];
  const recipient = ethers.Wallet.createRandom().address;
  let oracle, portal, passer, l1Messenger, l2Messenger, token;
  const withdrawals = {}; // name -> { tx: [nonce, sender, target, value, gasLimit, data], hash }
  const snapshots = []; // L2 states: { blockNumber, outputRootProof, outputRoot, proofs: hash -> storage proof }

  const mine = async (seconds) => {
    await l1.rpc('evm_increaseTime', [Number(seconds)]);
    await l1.rpc('evm_mine', []);
  };

  /** Initiates a withdrawal on L2 and remembers it as the message passer's event describes it. */
  async function initiate(name, user, target, value, gasLimit, data) {
    remember(name, await (await passer.connect(user).initiateWithdrawal(target, gasLimit, data, { value })).wait());
  }

  function remember(name, receipt) {
    const event = receipt.logs.map((l) => passer.interface.parseLog(l)).find((e) => e?.name === 'MessagePassed');
    const { nonce, sender, value: v, gasLimit: g, data: d, withdrawalHash } = event.args;
    const tx = [nonce, sender, event.args.target, v, g, d];
    assert.equal(withdrawalHash, ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['uint256', 'address', 'address', 'uint256', 'uint256', 'bytes'], tx)));
    withdrawals[name] = { tx, hash: withdrawalHash };
  }

  /** The L2 state now: output root v0 of the latest block, and eth_getProof storage proofs of every withdrawal so far. */
  async function snapshot() {
    const block = await L2.send('eth_getBlockByNumber', ['latest', false]);
    const slots = Object.values(withdrawals).map((w) => ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint256'], [w.hash, 0])));
    const proof = await L2.send('eth_getProof', [await passer.getAddress(), slots, block.number]);
    const outputRootProof = [ethers.ZeroHash, block.stateRoot, proof.storageHash, block.hash];
    const proofs = {};
    Object.values(withdrawals).forEach((w, i) => {
      assert.equal(BigInt(proof.storageProof[i].value), 1n); // sentMessages[hash] = true
      proofs[w.hash] = proof.storageProof[i].proof;
    });
    return { blockNumber: BigInt(block.number), outputRootProof, outputRoot: ethers.keccak256(ethers.concat(outputRootProof)), proofs };
  }

  const prove = (name, index, snap, signer = deployer) =>
    portal.connect(signer).proveWithdrawalTransaction(withdrawals[name].tx, index, snap.outputRootProof, snap.proofs[withdrawals[name].hash]);

  /** Places the code of `name` (deployed with `args` to fill its immutables) at a predeploy address of the L2 dev chain. */
  async function predeploy(name, address, ...args) {
    const deployed = await deploy(name, l2Users[0], ...args);
    await L2.send('anvil_setCode', [address, await L2.getCode(await deployed.getAddress())]);
    return new ethers.Contract(address, contracts[name].abi, l2Users[0]);
  }

  before(async () => {
    oracle = await deploy('L2OutputOracle', deployer, SUBMISSION_INTERVAL, 1n, 0n, 0n, await proposer.getAddress(), await challenger.getAddress(), FINALIZATION_PERIOD);
    portal = await deploy('OptimismPortal', deployer, await oracle.getAddress());
    l1Messenger = await deploy('L1CrossDomainMessenger', deployer, await portal.getAddress());
    token = await new ethers.ContractFactory(baseContracts.HyperionToken.abi, baseContracts.HyperionToken.bytecode, deployer).deploy(10n ** 24n);
    await token.deploymentTransaction().wait();
    await (await deployer.sendTransaction({ to: await portal.getAddress(), value: ethers.parseEther('5') })).wait(); // a deposit: ETH held by the portal

    // L2: the message passer and the L2 messenger at their predeploy addresses on a Hyperion dev chain (as the rollup's
    // genesis has them), and withdrawals through them.
    passer = await predeploy('L2ToL1MessagePasser', MESSAGE_PASSER);
    l2Messenger = await predeploy('L2CrossDomainMessenger', L2_MESSENGER, await l1Messenger.getAddress());

    await initiate('eth', l2Users[0], recipient, ethers.parseEther('1'), 100_000n, '0x');
    // A call that reverts on L1: the oracle refuses proposals from the portal.
    const refused = oracle.interface.encodeFunctionData('proposeL2Output', [ethers.id('x'), 2n, ethers.ZeroHash, 0n]);
    await initiate('failing', l2Users[0], await oracle.getAddress(), 0n, 200_000n, refused);
    await initiate('other', l2Users[1], recipient, ethers.parseEther('0.5'), 100_000n, '0x');
    await initiate('greedy', l2Users[1], recipient, 0n, 5_000_000n, '0x');
    // A message to an L1 token: transfer from the L1 messenger, which holds no tokens yet, so its first relay fails.
    const transfer = token.interface.encodeFunctionData('transfer', [recipient, 7n]);
    remember('message', await (await l2Messenger.connect(l2Users[1]).sendMessage(await token.getAddress(), transfer, 100_000)).wait());
    assert.equal(withdrawals.message.tx[1], L2_MESSENGER);
    assert.equal(withdrawals.message.tx[2], await l1Messenger.getAddress());
    snapshots.push(await snapshot());
    await initiate('late', l2Users[1], recipient, ethers.parseEther('0.25'), 100_000n, '0x');
    snapshots.push(await snapshot());
    assert.notEqual(snapshots[0].outputRoot, snapshots[1].outputRoot);
    assert.equal(await passer.messageNonce(), (1n << 240n) + 6n);
  });

  after(async () => {
    console.log(`L1 gas: ${JSON.stringify(gas)}`);
    await l2?.stop?.();
    await l1.stop?.();
  });

  test('outputs are proposed only by the proposer, only for the next block, never ahead of L1 time', async () => {
    assert.equal(await oracle.nextBlockNumber(), SUBMISSION_INTERVAL);
    assert.equal(await oracle.latestBlockNumber(), 0n);
    // No output covers a block yet: OP's revert strings, which viem's getWithdrawalStatus reads as 'waiting-to-prove'.
    await revertsWith(oracle.getL2OutputIndexAfter(1n), NOT_PROPOSED);
    await revertsWith(oracle.getL2OutputIndexAfter(0n), 'L2OutputOracle: cannot get output as no outputs have been proposed yet');
    const root = snapshots[0].outputRoot;

    // An L2 block whose time has not come on L1 cannot be proposed (1,000 s blocks: block 1 is 1,000 s after the start).
    const slow = await deploy('L2OutputOracle', deployer, 1n, 1000n, 0n, 0n, await proposer.getAddress(), await challenger.getAddress(), FINALIZATION_PERIOD);
    await reverts(slow.connect(proposer).proposeL2Output(root, 1n, ethers.ZeroHash, 0n), 'BlockInTheFuture');
    await mine(1001);
    await (await slow.connect(proposer).proposeL2Output(root, 1n, ethers.ZeroHash, 0n, { gasLimit: 300_000n })).wait(); // mined, not estimated
    assert.equal(await slow.latestBlockNumber(), 1n);

    await reverts(oracle.connect(deployer).proposeL2Output(root, 2n, ethers.ZeroHash, 0n), 'OnlyProposer');
    await reverts(oracle.connect(proposer).proposeL2Output(root, 3n, ethers.ZeroHash, 0n), 'UnexpectedBlockNumber');
    await reverts(oracle.connect(proposer).proposeL2Output(ethers.ZeroHash, 2n, ethers.ZeroHash, 0n), 'EmptyOutputRoot');
    const latest = await L1.getBlock('latest');
    await reverts(oracle.connect(proposer).proposeL2Output(root, 2n, ethers.id('not that block'), latest.number), 'L1BlockHashMismatch');

    const receipt = await (await oracle.connect(proposer).proposeL2Output(root, 2n, latest.hash, latest.number)).wait();
    gas.proposeL2Output = Number(receipt.gasUsed);
    const event = oracle.interface.parseLog(receipt.logs[0]);
    assert.equal(event.name, 'OutputProposed');
    assert.deepEqual([event.args.outputRoot, event.args.l2OutputIndex, event.args.l2BlockNumber], [root, 0n, 2n]);
    const output = await oracle.getL2Output(0n);
    assert.equal(output.outputRoot, root);
    assert.equal(output.l2BlockNumber, 2n);
    assert.equal(await oracle.latestOutputIndex(), 0n);
    assert.equal(await oracle.nextOutputIndex(), 1n);
    assert.equal(await oracle.nextBlockNumber(), 4n);
    assert.equal(await oracle.getL2OutputIndexAfter(1n), 0n);
    assert.equal((await oracle.getL2OutputAfter(2n)).outputRoot, root);
    await revertsWith(oracle.getL2OutputIndexAfter(3n), NOT_PROPOSED);
    await revertsWith(oracle.getL2OutputAfter(3n), NOT_PROPOSED);
    await reverts(oracle.getL2Output(1n), 'NoSuchOutput');

  });

  test('a withdrawal is proven with the L2 chain\'s eth_getProof storage proof; forged proofs are refused', async () => {
    const snap = snapshots[0];
    const receipt = await (await prove('eth', 0n, snap)).wait();
    gas.proveWithdrawalTransaction = Number(receipt.gasUsed);
    gas.proveWithdrawalProofNodes = snap.proofs[withdrawals.eth.hash].length;
    const event = portal.interface.parseLog(receipt.logs[0]);
    assert.deepEqual([event.name, event.args.withdrawalHash, event.args.from, event.args.to], ['WithdrawalProven', withdrawals.eth.hash, withdrawals.eth.tx[1], recipient]);
    const proven = await portal.provenWithdrawals(withdrawals.eth.hash);
    assert.equal(proven.outputRoot, snap.outputRoot);
    assert.equal(proven.l2OutputIndex, 0n);
    await reverts(prove('eth', 0n, snap), 'AlreadyProven');
    await (await prove('failing', 0n, snap)).wait();
    await (await prove('greedy', 0n, snap)).wait();
    await (await prove('message', 0n, snap)).wait();

    const { tx } = withdrawals.other;
    const proof = snap.proofs[withdrawals.other.hash];
    const args = (t, p, outputRootProof = snap.outputRootProof, index = 0n) => portal.proveWithdrawalTransaction(t, index, outputRootProof, p);
    // The output root proof must hash to the posted output root.
    await reverts(args(tx, proof, [snap.outputRootProof[0], ethers.id('other state'), ...snap.outputRootProof.slice(2)]), 'InvalidOutputRootProof');
    await reverts(args(tx, proof, [ethers.toBeHex(1, 32), ...snap.outputRootProof.slice(1)]), 'InvalidOutputRootProof');
    await reverts(args(tx, proof, snap.outputRootProof, 1n), 'NoSuchOutput');
    // The same withdrawal claimed for another sender (or value) is not in the message passer's storage.
    await reverts(args([tx[0], withdrawals.eth.tx[1], ...tx.slice(2)], proof), 'InvalidProof');
    await reverts(args([tx[0], tx[1], tx[2], tx[3] * 2n, tx[4], tx[5]], proof), 'InvalidProof');
    // Tampered proofs: a changed byte in the leaf, a missing node, an extra node, another withdrawal's proof.
    const leaf = ethers.getBytes(proof[proof.length - 1]);
    leaf[leaf.length - 1] ^= 1;
    await reverts(args(tx, [...proof.slice(0, -1), ethers.hexlify(leaf)]), 'InvalidProof');
    await reverts(args(tx, proof.slice(0, -1)), 'InvalidProof');
    await reverts(args(tx, [...proof, proof[proof.length - 1]]), 'InvalidProof');
    await reverts(args(tx, snap.proofs[withdrawals.eth.hash]), 'InvalidProof');
    await reverts(args(tx, []), 'InvalidProof');
    // The portal cannot be the target.
    await reverts(args([tx[0], tx[1], await portal.getAddress(), ...tx.slice(3)], proof), 'BadTarget');
  });

  test('finalization waits for the window, executes once, and a failing call still finalizes', async () => {
    await reverts(portal.finalizeWithdrawalTransaction(withdrawals.other.tx), 'NotProven');
    await reverts(portal.finalizeWithdrawalTransaction(withdrawals.eth.tx), 'ProofNotMature');
    assert.equal(await portal.isOutputFinalized(0n), false);
    await mine(FINALIZATION_PERIOD + 1n);
    assert.equal(await portal.isOutputFinalized(0n), true);

    const before = await L1.getBalance(recipient);
    const receipt = await (await portal.connect(deployer).finalizeWithdrawalTransaction(withdrawals.eth.tx)).wait();
    gas.finalizeWithdrawalTransaction = Number(receipt.gasUsed);
    const event = portal.interface.parseLog(receipt.logs[0]);
    assert.deepEqual([event.name, event.args.withdrawalHash, event.args.success], ['WithdrawalFinalized', withdrawals.eth.hash, true]);
    assert.equal(await L1.getBalance(recipient) - before, ethers.parseEther('1'));
    assert.equal(await portal.finalizedWithdrawals(withdrawals.eth.hash), true);
    assert.equal(await portal.l2Sender(), '0x000000000000000000000000000000000000dEaD');
    await reverts(portal.finalizeWithdrawalTransaction(withdrawals.eth.tx), 'AlreadyFinalized');

    const failing = await (await portal.connect(deployer).finalizeWithdrawalTransaction(withdrawals.failing.tx)).wait();
    const failed = portal.interface.parseLog(failing.logs[0]);
    assert.deepEqual([failed.name, failed.args.success], ['WithdrawalFinalized', false]);
    assert.equal(await portal.finalizedWithdrawals(withdrawals.failing.hash), true);
    await reverts(portal.finalizeWithdrawalTransaction(withdrawals.failing.tx), 'AlreadyFinalized');
    // The withdrawal's gas limit is guaranteed to the call: a transaction with too little gas for it is refused
    // (so nobody can make a withdrawal fail for good by starving it); with enough gas it executes.
    await reverts(portal.connect(deployer).finalizeWithdrawalTransaction.staticCall(withdrawals.greedy.tx, { gasLimit: 1_000_000n }), 'InsufficientGas');
    assert.equal(await portal.finalizedWithdrawals(withdrawals.greedy.hash), false);
    await (await portal.connect(deployer).finalizeWithdrawalTransaction(withdrawals.greedy.tx, { gasLimit: 5_300_000n })).wait();
    assert.equal(await portal.finalizedWithdrawals(withdrawals.greedy.hash), true);
  });

  test('the challenger removes outputs within the window; a withdrawal proven against a removed output cannot finalize', async () => {
    const [first, second] = snapshots;
    await mine(10);
    await (await oracle.connect(proposer).proposeL2Output(first.outputRoot, 4n, ethers.ZeroHash, 0n)).wait();
    await (await oracle.connect(proposer).proposeL2Output(second.outputRoot, 6n, ethers.ZeroHash, 0n)).wait();
    await (await prove('other', 1n, first)).wait();

    await reverts(oracle.connect(proposer).deleteL2Outputs(1n), 'OnlyChallenger');
    await reverts(oracle.connect(challenger).deleteL2Outputs(0n), 'OutputFinalized'); // past its window
    await reverts(oracle.connect(challenger).deleteL2Outputs(3n), 'NoSuchOutput');
    const receipt = await (await oracle.connect(challenger).deleteL2Outputs(1n)).wait();
    const event = oracle.interface.parseLog(receipt.logs[0]);
    assert.deepEqual([event.name, event.args.prevNextOutputIndex, event.args.newNextOutputIndex], ['OutputsDeleted', 3n, 1n]);
    assert.equal(await oracle.nextBlockNumber(), 4n);

    await mine(FINALIZATION_PERIOD + 1n);
    await reverts(portal.finalizeWithdrawalTransaction(withdrawals.other.tx), 'OutputRootChanged');

    // A new output at that index (the L2 chain's later state): the withdrawal is proven again and, after a new window, executes.
    await (await oracle.connect(proposer).proposeL2Output(second.outputRoot, 4n, ethers.ZeroHash, 0n)).wait();
    await reverts(prove('other', 1n, first), 'InvalidOutputRootProof');
    await (await prove('other', 1n, second)).wait();
    await reverts(prove('other', 1n, second), 'AlreadyProven');
    await reverts(portal.finalizeWithdrawalTransaction(withdrawals.other.tx), 'ProofNotMature');
    await mine(FINALIZATION_PERIOD + 1n);
    await reverts(oracle.connect(challenger).deleteL2Outputs(1n), 'OutputFinalized');
    const before = await L1.getBalance(recipient);
    await (await portal.connect(deployer).finalizeWithdrawalTransaction(withdrawals.other.tx)).wait();
    assert.equal(await L1.getBalance(recipient) - before, ethers.parseEther('0.5'));
  });

  test('a message whose L1 call fails is kept by the L1 messenger and replayed once by anyone', async () => {
    const { tx } = withdrawals.message;
    const [nonce, , , , , relayData] = tx;
    const relay = l1Messenger.interface.decodeFunctionData('relayMessage', relayData);
    const messageHash = ethers.keccak256(relayData);
    assert.equal(relay[0], 1n << 240n); // the L2 messenger's first message, version 1
    assert.equal(nonce, withdrawals.message.tx[0]);

    const receipt = await (await portal.connect(deployer).finalizeWithdrawalTransaction(tx)).wait();
    const logs = receipt.logs.map((l) => { try { return l1Messenger.interface.parseLog(l) ?? portal.interface.parseLog(l); } catch { return portal.interface.parseLog(l); } });
    assert.deepEqual(logs.map((l) => l?.name), ['FailedRelayedMessage', 'WithdrawalFinalized']);
    assert.equal(logs[0].args.msgHash, messageHash);
    assert.equal(logs[1].args.success, true); // the withdrawal executed; the message inside failed
    assert.equal(await l1Messenger.failedMessages(messageHash), true);
    assert.equal(await l1Messenger.successfulMessages(messageHash), false);
    await reverts(l1Messenger.xDomainMessageSender(), 'SenderNotSet');

    // Nobody can relay a message that did not fail, nor attach value to a replay.
    await reverts(l1Messenger.connect(challenger).relayMessage(relay[0] + 1n, relay[1], relay[2], relay[3], relay[4], relay[5]), 'NotAFailedMessage');
    await reverts(l1Messenger.connect(challenger).relayMessage(...relay, { value: 1n }), 'NotAFailedMessage');
    await reverts(l1Messenger.connect(challenger).relayMessage(1n, relay[1], relay[2], relay[3], relay[4], relay[5]), 'UnsupportedVersion');

    // Once the messenger holds the tokens, anyone replays the message; it then succeeds, and only once.
    await (await token.connect(deployer).transfer(await l1Messenger.getAddress(), 7n)).wait();
    // (An explicit gas limit: estimation would settle for a gas at which the relay records a failure instead of reverting.)
    const replay = await (await l1Messenger.connect(challenger).relayMessage(...relay, { gasLimit: 500_000n })).wait();
    assert.ok(replay.logs.some((l) => l1Messenger.interface.parseLog(l)?.name === 'RelayedMessage'));
    assert.equal(await token.balanceOf(recipient), 7n);
    assert.equal(await l1Messenger.successfulMessages(messageHash), true);
    await reverts(l1Messenger.connect(challenger).relayMessage(...relay), 'AlreadyRelayed');
  });

  test('the standard bridges move ETH, L1 tokens and L2-native tokens both ways through the messengers', async () => {
    const user = l2Users[0].address; // the same dev key on both layers
    const l1User = new ethers.Wallet(devKeys[0], L1);
    const l1Bridge = await deploy('L1StandardBridge', deployer, await l1Messenger.getAddress());
    const l1Factory = await deploy('OptimismMintableERC20Factory', deployer, await l1Bridge.getAddress());
    const l2Bridge = await predeploy('L2StandardBridge', L2_BRIDGE, await l1Bridge.getAddress());
    const l2Factory = await predeploy('OptimismMintableERC20Factory', L2_FACTORY, L2_BRIDGE);
    const mintable = (address, runner) => new ethers.Contract(address, contracts.OptimismMintableERC20.abi, runner);
    const created = async (factory, remote, name) => {
      const receipt = await (await factory.createOptimismMintableERC20(remote, name, name)).wait();
      return receipt.logs.map((l) => factory.interface.parseLog(l)).find((e) => e?.name === 'OptimismMintableERC20Created').args.localToken;
    };

    // L1 → L2: the portal's TransactionDeposited is executed on L2 as the rollup node would: a call from the L1
    // messenger's alias to the L2 messenger with the deposit's value.
    const aliasOf = (a) => ethers.getAddress(ethers.toBeHex((BigInt(a) + 0x1111000000000000000000000000000000001111n) % (1n << 160n), 20));
    const messengerAlias = aliasOf(await l1Messenger.getAddress());
    await L2.send('anvil_impersonateAccount', [messengerAlias]);
    await L2.send('anvil_setBalance', [messengerAlias, ethers.toQuantity(ethers.parseEther('100'))]);
    async function relayDeposits(receipt) {
      for (const log of receipt.logs.filter((l) => l.address === portal.target)) {
        const opaque = ethers.getBytes(portal.interface.parseLog(log).args.opaqueData);
        assert.equal(portal.interface.parseLog(log).args.from, messengerAlias);
        const value = ethers.toBigInt(opaque.slice(32, 64));
        const hash = await L2.send('eth_sendTransaction', [{
          from: messengerAlias, to: L2_MESSENGER, value: ethers.toQuantity(value), gas: ethers.toQuantity(opaque.slice(64, 72)),
          data: ethers.hexlify(opaque.slice(73)),
        }]);
        const l2Receipt = await L2.waitForTransaction(hash);
        assert.ok(l2Receipt.logs.some((l) => l2Messenger.interface.parseLog(l)?.name === 'RelayedMessage'), 'the L2 messenger relayed the deposit');
      }
    }

    const ethBefore = await L2.getBalance(user);
    await relayDeposits(await (await l1Bridge.connect(l1User).depositETH(100_000, '0x', { value: ethers.parseEther('2') })).wait());
    assert.equal(await L2.getBalance(user) - ethBefore, ethers.parseEther('2'));

    const l1Token = await new ethers.ContractFactory(baseContracts.HyperionToken.abi, baseContracts.HyperionToken.bytecode, l1User).deploy(1000n);
    await l1Token.deploymentTransaction().wait();
    const l2Representation = mintable(await created(l2Factory, await l1Token.getAddress(), 'L1T'), l2Users[0]);
    await (await l1Token.approve(await l1Bridge.getAddress(), 300n)).wait();
    await relayDeposits(await (await l1Bridge.connect(l1User).depositERC20(await l1Token.getAddress(), await l2Representation.getAddress(), 300n, 100_000, '0x')).wait());
    assert.equal(await l2Representation.balanceOf(user), 300n);
    assert.equal(await l1Bridge.deposits(await l1Token.getAddress(), await l2Representation.getAddress()), 300n);

    // L2-native token: escrowed by the L2 bridge, represented on L1 by a token of the L1 factory.
    const l2Native = await new ethers.ContractFactory(baseContracts.HyperionToken.abi, baseContracts.HyperionToken.bytecode, l2Users[0]).deploy(1000n);
    await l2Native.deploymentTransaction().wait();
    const l1Representation = mintable(await created(l1Factory, await l2Native.getAddress(), 'L2T'), l1User);

    // L2 → L1: ETH, the L1 token back, the L2-native token out; each a messenger withdrawal proven and finalized.
    const l1EthBefore = await L1.getBalance(recipient);
    remember('bridge-eth', await (await l2Bridge.withdrawTo(LEGACY_ETH, recipient, ethers.parseEther('0.75'), 100_000, '0x', { value: ethers.parseEther('0.75') })).wait());
    remember('bridge-l1-token', await (await l2Bridge.withdrawTo(await l2Representation.getAddress(), recipient, 120n, 100_000, '0x')).wait());
    assert.equal(await l2Representation.balanceOf(user), 180n); // burned
    await (await l2Native.approve(L2_BRIDGE, 400n)).wait();
    remember('bridge-l2-token', await (await l2Bridge.bridgeERC20To(await l2Native.getAddress(), await l1Representation.getAddress(), user, 400n, 100_000, '0x')).wait());
    assert.equal(await l2Native.balanceOf(L2_BRIDGE), 400n); // escrowed

    const snap = await snapshot();
    await mine(10);
    const index = await oracle.nextOutputIndex();
    await (await oracle.connect(proposer).proposeL2Output(snap.outputRoot, await oracle.nextBlockNumber(), ethers.ZeroHash, 0n)).wait();
    for (const name of ['bridge-eth', 'bridge-l1-token', 'bridge-l2-token']) await (await prove(name, index, snap)).wait();
    await mine(FINALIZATION_PERIOD + 1n);
    for (const name of ['bridge-eth', 'bridge-l1-token', 'bridge-l2-token']) {
      const receipt = await (await portal.connect(deployer).finalizeWithdrawalTransaction(withdrawals[name].tx, { gasLimit: 1_000_000n })).wait();
      gas[`finalize ${name} (messenger + bridge)`] = Number(receipt.gasUsed);
      assert.ok(receipt.logs.some((l) => l.address === l1Messenger.target && l1Messenger.interface.parseLog(l)?.name === 'RelayedMessage'), `${name} relayed`);
    }
    assert.equal(await L1.getBalance(recipient) - l1EthBefore, ethers.parseEther('0.75'));
    assert.equal(await l1Token.balanceOf(recipient), 120n);
    assert.equal(await l1Bridge.deposits(await l1Token.getAddress(), await l2Representation.getAddress()), 180n);
    assert.equal(await l1Representation.balanceOf(user), 400n); // minted on L1

    // And the L2-native token back to L2: burned on L1, released from the L2 bridge's escrow.
    await relayDeposits(await (await l1Bridge.connect(l1User).bridgeERC20(await l1Representation.getAddress(), await l2Native.getAddress(), 150n, 100_000, '0x')).wait());
    assert.equal(await l1Representation.balanceOf(user), 250n);
    assert.equal(await l2Native.balanceOf(L2_BRIDGE), 250n);
    assert.equal(await l2Bridge.deposits(await l2Native.getAddress(), await l1Representation.getAddress()), 250n);

    // Only the other bridge, through the messenger, can finalize.
    await reverts(l1Bridge.connect(l1User).finalizeBridgeETH(user, user, 1n, '0x', { value: 1n }), 'OnlyOtherBridge');
  });

  test('a storage proof through an extension node is verified', async () => {
    // A fresh message passer whose three storage keys (two withdrawals and the nonce at slot 1) all start with the
    // nibble 0xb: its trie's root is then an extension node. The withdrawals' data is searched for that.
    const fresh = await deploy('L2ToL1MessagePasser', l2Users[0]);
    const coder = ethers.AbiCoder.defaultAbiCoder();
    const trieKey = (slot) => ethers.keccak256(slot);
    assert.ok(trieKey(ethers.toBeHex(1, 32)).startsWith('0xb'));
    const names = [];
    for (let n = 0n; n < 2n; n++) {
      let data;
      for (let i = 0; ; i++) {
        data = ethers.toBeHex(i, 32);
        const hash = ethers.keccak256(coder.encode(['uint256', 'address', 'address', 'uint256', 'uint256', 'bytes'], [(1n << 240n) + n, l2Users[0].address, recipient, 0n, 100_000n, data]));
        if (trieKey(ethers.keccak256(coder.encode(['bytes32', 'uint256'], [hash, 0]))).startsWith('0xb')) break; // keccak of the slot
      }
      const receipt = await (await fresh.initiateWithdrawal(recipient, 100_000n, data)).wait();
      names.push(`extension-${n}`);
      remember(names[names.length - 1], receipt);
    }
    const block = await L2.send('eth_getBlockByNumber', ['latest', false]);
    const slots = names.map((name) => ethers.keccak256(coder.encode(['bytes32', 'uint256'], [withdrawals[name].hash, 0])));
    const proof = await L2.send('eth_getProof', [await fresh.getAddress(), slots, block.number]);
    const root = ethers.decodeRlp(proof.storageProof[0].proof[0]);
    assert.equal(root.length, 2, 'the storage trie starts with an extension node');
    const snap = { outputRootProof: [ethers.ZeroHash, block.stateRoot, proof.storageHash, block.hash], proofs: {} };
    names.forEach((name, i) => { snap.proofs[withdrawals[name].hash] = proof.storageProof[i].proof; });
    await mine(10);
    const index = await oracle.nextOutputIndex();
    await (await oracle.connect(proposer).proposeL2Output(ethers.keccak256(ethers.concat(snap.outputRootProof)), await oracle.nextBlockNumber(), ethers.ZeroHash, 0n)).wait();
    for (const name of names) await (await prove(name, index, snap)).wait();
    assert.equal((await portal.provenWithdrawals(withdrawals[names[1]].hash)).l2OutputIndex, index);
  });
});
