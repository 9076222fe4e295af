// LazAI contracts on ./hyperion dev: Data Anchored Token classes with provenance, revenue to the wei across many
// holders and transfers, expiry, per-class approvals, dataset validation with slashing, paid inference through the
// precompile with exact fee splits, iDAO governance (vote + timelock) changing the price, and verifiable inference
// (verify + bond/challenge) against `hyperion infer`. One node and one seeded stories260K-shaped model for the file.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ethers } from 'ethers';
import { compileContracts } from '../lib/compile.mjs';
import { startNode, devKeys } from '../lib/node.mjs';
import { makeTestModel, hyperionInfer } from '../lib/model.mjs';

const REGISTRY = '0x0000000000000000000000000000000000000a12';
const Kind = { Dataset: 1, Model: 2, Agent: 3 };

const { dir: modelDir, path: modelPath, bytes: modelBytes, hash: modelHash } = makeTestModel('hyperion-lazai-');
const infer = (prompt, maxTokens, options) => hyperionInfer(modelPath, prompt, maxTokens, options)[0];

/**
 * Reference model of the DAT's revenue rule (contract notice): per settlement each share unit gains
 * floor((amount + carry) / totalShares), the remainder is the new carry; a transfer credits the token's pending
 * earnings to the previous holder.
 */
class RevenueModel {
  constructor() { this.tokens = new Map(); this.rps = 0n; this.carry = 0n; this.total = 0n; this.owed = new Map(); }
  mint(id, holder, share) { this.tokens.set(id, { holder, share, seen: this.rps }); this.total += share; }
  settle(amount) {
    const sum = amount + this.carry;
    if (this.total === 0n) { this.carry = sum; return; }
    this.rps += sum / this.total; this.carry = sum % this.total;
  }
  accrue(id) {
    const t = this.tokens.get(id);
    this.owed.set(t.holder, (this.owed.get(t.holder) ?? 0n) + t.share * (this.rps - t.seen)); t.seen = this.rps;
  }
  transfer(id, to) { this.accrue(id); this.tokens.get(id).holder = to; }
  retire(id) { this.accrue(id); this.total -= this.tokens.get(id).share; this.tokens.get(id).share = 0n; }
  claim(holder) {
    for (const [id, t] of this.tokens) if (t.holder === holder) this.accrue(id);
    const amount = this.owed.get(holder) ?? 0n; this.owed.set(holder, 0n); return amount;
  }
}

const node = await startNode({ extraArgs: ['--model-dir', modelDir] });
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

describe('LazAI contracts', { skip, timeout: 180_000 }, () => {
  const { contracts } = compileContracts();
  let provider, owner, ownerAddress, holders, dat, market, verifier, validation, vault;

  const wait = async (txPromise) => {
    const tx = await txPromise;
    const receipt = await tx.wait();
    assert.equal(receipt.status, 1);
    return receipt;
  };
  /** Awaits a rejection whose revert data decodes (with `contract`'s ABI) to the custom error `name`. */
  const reverts = async (promise, contract, name) => {
    try { await promise; } catch (e) {
      owner.reset(); // a send that failed in estimateGas used no nonce: let the NonceManager re-read it
      const data = e.data ?? e.info?.error?.data ?? e.error?.data;
      const decoded = data ? contract.interface.parseError(data) : null;
      assert.equal(decoded?.name ?? e.shortMessage ?? e.message, name);
      return;
    }
    assert.fail(`expected ${name}`);
  };
  const eventsOf = (receipt, contract, name) =>
    receipt.logs.filter((l) => l.address === contract.target).map((l) => contract.interface.parseLog(l)).filter((e) => e?.name === name);
  const deploy = async (name, ...args) => {
    const c = await new ethers.ContractFactory(contracts[name].abi, contracts[name].bytecode, owner).deploy(...args);
    await c.waitForDeployment();
    return c;
  };
  const createClass = async (kind, contentHash, parents = [], bps = [], from = owner) => {
    const receipt = await wait(dat.connect(from).createClass(kind, contentHash, `ipfs://${contentHash.slice(2, 10)}`, parents, bps));
    return eventsOf(receipt, dat, 'ClassCreated')[0].args.classId;
  };
  const mint = async (to, classId, value, expireAt, share) => {
    const receipt = await wait(dat.mintDAT(to, classId, value, expireAt, share));
    return eventsOf(receipt, dat, 'DATMinted')[0].args.tokenId;
  };
  const claim = async (wallet, tokenIds) => eventsOf(await wait(dat.connect(wallet).claim(tokenIds)), dat, 'Claimed')[0].args.amount;
  // The next block is `seconds` after the latest one (evm_increaseTime counts from the wall clock, and blocks made
  // faster than one a second run ahead of it).
  const timeTravel = async (seconds) => {
    await provider.send('evm_setNextBlockTimestamp', [Number(await now()) + seconds]);
    await provider.send('evm_mine', []);
  };
  const mineBlocks = async (n) => { for (let i = 0; i < n; i++) await provider.send('evm_mine', []); };
  const now = async () => BigInt((await provider.getBlock('latest')).timestamp);

  before(async () => {
    provider = new ethers.JsonRpcProvider(node.url, undefined, { pollingInterval: 50, cacheTimeout: -1 });
    owner = new ethers.NonceManager(new ethers.Wallet(devKeys[0], provider));
    ownerAddress = await owner.getAddress();
    holders = Array.from({ length: 8 }, (_, i) => new ethers.Wallet(ethers.keccak256(ethers.toUtf8Bytes(`lazai holder ${i}`)), provider));
    for (const h of holders) await wait(owner.sendTransaction({ to: h.address, value: ethers.parseEther('10') }));
    vault = ethers.Wallet.createRandom().address;
    dat = await deploy('DataAnchoredToken');
    market = await deploy('InferenceMarket', dat.target, vault, 500);
    verifier = await deploy('InferenceVerifier', ethers.parseEther('1'), 600);
    validation = await deploy('DataValidation', dat.target, ethers.parseEther('2'), 600);
    await wait(new ethers.Contract(REGISTRY, contracts.ModelRegistry.abi, owner).register(modelHash, modelBytes.length, 64));
  });

  after(async () => {
    provider?.destroy();
    await node.stop?.();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  test('classes: provenance is checked; bad input reverts with a reason', { timeout: 60_000 }, async () => {
    const a = await createClass(Kind.Dataset, ethers.id('dataset a'));
    const b = await createClass(Kind.Dataset, ethers.id('dataset b'));
    const m = await createClass(Kind.Model, ethers.id('model'), [a, b], [2000, 1000]);
    const [parents, bps] = await dat.provenance(m);
    assert.deepEqual([...parents], [a, b]);
    assert.deepEqual(bps.map(Number), [2000, 1000]);
    await reverts(dat.createClass(Kind.Model, ethers.id('x'), 'u', [b, a], [1, 1]), dat, 'InvalidClass');
    await reverts(dat.createClass(Kind.Model, ethers.id('x'), 'u', [a, b], [9000, 1001]), dat, 'InvalidClass');
    await reverts(dat.createClass(Kind.Model, ethers.id('x'), 'u', [999], [1]), dat, 'UnknownClass');
    await reverts(dat.createClass(0, ethers.id('x'), 'u', [], []), dat, 'InvalidClass');
    await reverts(dat.createClass(Kind.Dataset, ethers.ZeroHash, 'u', [], []), dat, 'InvalidClass');
    await reverts(dat.connect(holders[0]).mintDAT(holders[0].address, a, 1, 0, 1), dat, 'NotManager');
  });

  test('revenue: many holders, transfers and mints in between, every claim exact to the wei', { timeout: 60_000 }, async () => {
    const cls = await createClass(Kind.Dataset, ethers.id('revenue dataset'));
    const model = new RevenueModel();
    const ids = [];
    const shares = [1n, 2n, 3n, 5n, 7n, 11n];
    for (let i = 0; i < shares.length; i++) {
      const id = await mint(holders[i].address, cls, 100, 0, shares[i]);
      ids.push(id); model.mint(id, holders[i].address, shares[i]);
    }
    const payer = holders[7];
    const settle = async (amount) => { await wait(dat.connect(payer).settleRevenue(cls, { value: amount })); model.settle(amount); };
    await settle(1_000_000_007n);
    await wait(dat.connect(holders[0]).transferFrom(holders[0].address, holders[1].address, ids[0]));
    model.transfer(ids[0], holders[1].address);
    const late = await mint(holders[2].address, cls, 0, 0, 4n); model.mint(late, holders[2].address, 4n);
    await settle(999n);
    await settle(5n); // less than the 33 shares: all of it carries
    await wait(dat.connect(holders[3]).transferFrom(holders[3].address, holders[4].address, ids[3]));
    model.transfer(ids[3], holders[4].address);
    await settle(123_456_789n);

    const [totalRevenue, , carry] = await dat.revenueInfo(cls);
    assert.equal(carry, model.carry);
    let paid = 0n;
    for (let i = 0; i < 6; i++) {
      const owned = [...model.tokens].filter(([, t]) => t.holder === holders[i].address).map(([id]) => id);
      assert.equal(await dat.claimable(holders[i].address, owned), (model.owed.get(holders[i].address) ?? 0n)
        + owned.reduce((s, id) => s + model.tokens.get(id).share * (model.rps - model.tokens.get(id).seen), 0n));
      const before = await provider.getBalance(holders[i].address);
      const receipt = await wait(dat.connect(holders[i]).claim(owned));
      const amount = eventsOf(receipt, dat, 'Claimed')[0].args.amount;
      assert.equal(amount, model.claim(holders[i].address), `holder ${i}`);
      assert.equal(await provider.getBalance(holders[i].address), before + amount - receipt.gasUsed * receipt.gasPrice);
      paid += amount;
    }
    assert.equal(paid + carry, totalRevenue, 'no wei lost or created');
    assert.equal(await provider.getBalance(dat.target), carry);
    assert.equal(await claim(holders[1], []), 0n); // nothing twice
    await reverts(dat.connect(holders[5]).claim([ids[0]]), dat, 'NotTokenOwner');
  });

  test('value: transfers within a class, class approvals, no cross-class moves', { timeout: 60_000 }, async () => {
    const cls = await createClass(Kind.Agent, ethers.id('agent'));
    const other = await createClass(Kind.Agent, ethers.id('other agent'));
    const t1 = await mint(holders[0].address, cls, 1000, 0, 1);
    const t2 = await mint(holders[1].address, cls, 0, 0, 1);
    const t3 = await mint(holders[0].address, other, 50, 0, 1);
    await wait(dat.connect(holders[0]).transferValue(t1, t2, 300));
    assert.equal(await dat['valueOf(uint256)'](t1), 700n);
    assert.equal(await dat['valueOf(uint256)'](t2), 300n);
    assert.equal(await dat.classOf(t2), cls);
    assert.equal(await dat.shareOf(t2), 1n);
    await reverts(dat.connect(holders[2]).transferValue(t1, t2, 1), dat, 'ERC721InsufficientApproval');
    await wait(dat.connect(holders[0]).approveForClass(cls, holders[2].address, true));
    await wait(dat.connect(holders[2]).transferValue(t1, t2, 200));
    assert.equal(await dat['valueOf(uint256)'](t1), 500n);
    await reverts(dat.connect(holders[2]).transferValue(t3, t1, 1), dat, 'ClassMismatch');
    await reverts(dat.connect(holders[0]).transferValue(t1, t2, 501), dat, 'InsufficientValue');
  });

  test('expiry: an expired token cannot move value; retiring it keeps its earnings and ends its share', { timeout: 60_000 }, async () => {
    const cls = await createClass(Kind.Dataset, ethers.id('licensed dataset'));
    const expiring = await mint(holders[0].address, cls, 10, (await now()) + 100n, 3);
    const lasting = await mint(holders[1].address, cls, 10, 0, 1);
    await wait(dat.connect(holders[0]).transferValue(expiring, lasting, 1));
    await wait(dat.settleRevenue(cls, { value: 400n })); // 100 per share unit
    await reverts(dat.retire(expiring), dat, 'NotExpired');
    await timeTravel(200);
    assert.equal(await dat.isExpired(expiring), true);
    await reverts(dat.connect(holders[0]).transferValue(expiring, lasting, 1), dat, 'TokenExpired');
    await reverts(dat.connect(holders[1]).transferValue(lasting, expiring, 1), dat, 'TokenExpired');
    await wait(dat.connect(holders[5]).retire(expiring)); // anyone may retire
    assert.equal(await dat.shareOf(expiring), 0n);
    const [, , , , , totalShares] = await dat.classInfo(cls);
    assert.equal(totalShares, 1n);
    await wait(dat.settleRevenue(cls, { value: 1000n })); // all to the lasting token now
    assert.equal(await claim(holders[0], [expiring]), 300n);
    assert.equal(await claim(holders[1], [lasting]), 1100n);
  });

  // Classes shared by the market, governance and verification tests.
  let dsA, dsB, modelClass, tokens;
  const price = 1_000_003n;

  test('paid inference: tokens equal `hyperion infer`, usage recorded, fees split exactly to both classes and the vault', { timeout: 60_000 }, async () => {
    dsA = await createClass(Kind.Dataset, ethers.id('dataset A'));
    dsB = await createClass(Kind.Dataset, ethers.id('dataset B'));
    modelClass = await createClass(Kind.Model, modelHash, [dsA, dsB], [2000, 1000]);
    tokens = {
      a0: await mint(holders[0].address, dsA, 0, 0, 3), a1: await mint(holders[1].address, dsA, 0, 0, 4),
      b0: await mint(holders[2].address, dsB, 0, 0, 1),
      m0: await mint(ownerAddress, modelClass, 0, 0, 5), m1: await mint(holders[3].address, modelClass, 0, 0, 2),
    };
    for (const c of [dsA, dsB, modelClass]) await wait(dat.setRecorder(c, market.target, true));
    await wait(dat.setPrice(modelClass, price));

    const [quoted, protocolFee, computeFee, dataClasses, dataFees] = await market.quote(modelClass);
    // 5 % protocol; of the rest 20 % to A and 10 % to B (rounded down), the model gets the remainder
    assert.deepEqual([quoted, protocolFee, computeFee, ...dataFees], [price, 50_000n, 665_003n, 190_000n, 95_000n]);
    assert.deepEqual([...dataClasses], [dsA, dsB]);

    const params = { maxNewTokens: 16, temperatureQ16: 49152, topPQ16: 32768, seed: 3 };
    await reverts(market.connect(holders[4]).infer(modelClass, 'The little dog', params, { value: price - 1n }), market, 'WrongPayment');
    const expected = infer('The little dog', 16, { temperature: '0.75', topP: '0.5', seed: 3 });
    const [, previewTokens] = await market.connect(holders[4]).infer.staticCall(modelClass, 'The little dog', params, { value: price });
    assert.deepEqual(previewTokens.map(Number), expected);

    for (let i = 0; i < 2; i++) {
      const receipt = await wait(market.connect(holders[4]).infer(modelClass, 'The little dog', params, { value: price }));
      const [record] = eventsOf(receipt, market, 'InferenceRecorded');
      assert.equal(record.args.modelHash, modelHash);
      assert.equal(record.args.inputHash, ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(
        ['string', 'uint32', 'uint32', 'uint32', 'uint64'], ['The little dog', 16, 49152, 32768, 3])));
      assert.equal(record.args.outputHash, ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['uint32[]'], [expected])));
      assert.ok(record.args.gasUsed > 50_000n && record.args.gasUsed < receipt.gasUsed, `precompile gas ${record.args.gasUsed}`);
      const [split] = eventsOf(receipt, market, 'FeesSplit');
      assert.deepEqual([split.args.protocolFee, split.args.computeFee, split.args.dataFee], [50_000n, 665_003n, 285_000n]);
    }
    assert.equal(await dat.usageOf(modelClass, holders[4].address), 2n);
    assert.equal(await dat.usageOf(dsA, holders[4].address), 2n);
    assert.equal(await dat.usageOf(dsB, holders[4].address), 2n);

    // Two uses: A got 380,000 over 7 shares → 54,285 each (carry 5); B 190,000 over 1; model 1,330,006 over 7 → 190,000 (carry 6).
    assert.equal(await claim(holders[0], [tokens.a0]), 3n * 54_285n);
    assert.equal(await claim(holders[1], [tokens.a1]), 4n * 54_285n);
    assert.equal(await claim(holders[2], [tokens.b0]), 190_000n);
    assert.equal(await claim(holders[3], [tokens.m1]), 2n * 190_000n);
    assert.equal(await claim(owner, [tokens.m0]), 5n * 190_000n);
    assert.equal((await dat.revenueInfo(dsA))[2], 5n);
    assert.equal((await dat.revenueInfo(modelClass))[2], 6n);
    const vaultBefore = await provider.getBalance(vault);
    await wait(market.sweep());
    assert.equal(await provider.getBalance(vault), vaultBefore + 100_000n);

    // Only recorders the class allowed record usage.
    await reverts(dat.connect(holders[4]).recordUsage(modelClass, holders[4].address, 1, 0), dat, 'NotRecorder');
  });

  test('iDAO: a proposal setting the price passes the vote (an agent key votes) and the timelock', { timeout: 60_000 }, async () => {
    const votes = await deploy('ClassVotes', dat.target, modelClass);
    const timelock = await deploy('IDAOTimelock', 3600, [], [ethers.ZeroAddress], ownerAddress);
    const governor = await deploy('IDAO', 'model iDAO', votes.target, timelock.target, 1, 5, 25);
    await wait(timelock.grantRole(await timelock.PROPOSER_ROLE(), governor.target));
    await wait(timelock.grantRole(await timelock.CANCELLER_ROLE(), governor.target));
    await wait(timelock.renounceRole(await timelock.DEFAULT_ADMIN_ROLE(), ownerAddress));
    await wait(dat.setManager(modelClass, timelock.target));
    await reverts(dat.setPrice(modelClass, 1n), dat, 'NotManager');
    assert.equal(await votes.getVotes(holders[3].address), 2n); // the agent's key, counted for itself
    await reverts(votes.delegate(holders[3].address), votes, 'DelegateOnTheToken');

    const newPrice = 2_000_000n;
    const targets = [dat.target];
    const values = [0];
    const calldatas = [dat.interface.encodeFunctionData('setPrice', [modelClass, newPrice])];
    const description = 'Raise the price per use to 2,000,000 wei';
    const descriptionHash = ethers.id(description);
    const receipt = await wait(governor.propose(targets, values, calldatas, description));
    const proposalId = eventsOf(receipt, governor, 'ProposalCreated')[0].args.proposalId;
    await mineBlocks(2);
    const agent = holders[3]; // an agent's own key, holding model shares, votes
    await wait(governor.connect(agent).castVote(proposalId, 1));
    await wait(governor.castVote(proposalId, 1));
    await wait(governor.connect(holders[0]).castVote(proposalId, 0)); // holds no model shares: weighs nothing
    const [against, forVotes] = await governor.proposalVotes(proposalId);
    assert.deepEqual([against, forVotes], [0n, 7n]);
    await mineBlocks(6);
    assert.equal(await governor.state(proposalId), 4n); // Succeeded
    const queued = await wait(governor.queue(targets, values, calldatas, descriptionHash));
    assert.equal(await governor.state(proposalId), 5n); // Queued
    assert.equal(await governor.proposalEta(proposalId), eventsOf(queued, governor, 'ProposalQueued')[0].args.etaSeconds);
    await reverts(governor.execute(targets, values, calldatas, descriptionHash), timelock, 'TimelockUnexpectedOperationState');
    await timeTravel(3601);
    await wait(governor.execute(targets, values, calldatas, descriptionHash));
    assert.equal((await dat.classInfo(modelClass))[4], newPrice);
    assert.equal((await market.quote(modelClass))[0], newPrice);
    await reverts(market.infer(modelClass, 'Once', { maxNewTokens: 2, temperatureQ16: 0, topPQ16: 0, seed: 0 }, { value: price }), market, 'WrongPayment');
  });

  test('validation: staked validators earn the fee; a forged attestation is slashed; an honest one cannot be', { timeout: 60_000 }, async () => {
    const data = ethers.toUtf8Bytes('tiny dataset: one sentence per line\nOnce upon a time there was a dog.\n');
    const cls = await createClass(Kind.Dataset, ethers.keccak256(data));
    const [honest, forger, outsider] = [holders[5], holders[6], holders[7]];
    for (const v of [honest, forger]) await wait(dat.setValidator(cls, v.address, true));
    await wait(validation.connect(honest).stake({ value: ethers.parseEther('2') }));
    await wait(validation.connect(forger).stake({ value: ethers.parseEther('3') }));
    await reverts(validation.connect(outsider).attest(1, ethers.ZeroHash), validation, 'InvalidRequest');

    const request = await wait(validation.requestValidation(cls, 2, { value: 1001n }));
    const { requestId, nonce } = eventsOf(request, validation, 'ValidationRequested')[0].args;
    await reverts(validation.connect(outsider).attest(requestId, ethers.ZeroHash), validation, 'NotValidator');
    const proof = await validation.possessionProof(data, nonce);
    assert.equal(proof, ethers.keccak256(ethers.concat([data, nonce])));
    const good = eventsOf(await wait(validation.connect(honest).attest(requestId, proof)), validation, 'Attested')[0].args.attestationId;
    const forged = eventsOf(await wait(validation.connect(forger).attest(requestId, ethers.id('did not look'))), validation, 'Attested')[0].args.attestationId;
    await reverts(validation.connect(honest).attest(requestId, proof), validation, 'AlreadyAttested');

    await reverts(validation.connect(outsider).challenge(good, data), validation, 'ProofCorrect');
    await reverts(validation.connect(outsider).challenge(forged, ethers.toUtf8Bytes('other data')), validation, 'WrongData');
    const before = await provider.getBalance(outsider.address);
    const slash = await wait(validation.connect(outsider).challenge(forged, data));
    assert.equal(eventsOf(slash, validation, 'Slashed')[0].args.amount, ethers.parseEther('2'));
    assert.equal(await provider.getBalance(outsider.address), before + ethers.parseEther('2') - slash.gasUsed * slash.gasPrice);
    assert.equal(await validation.stakeOf(forger.address), ethers.parseEther('1'));
    await reverts(validation.connect(outsider).challenge(forged, data), validation, 'NotPayable');

    await reverts(validation.connect(honest).claimFee(good), validation, 'WindowOpen');
    await reverts(validation.connect(honest).unstake(1n), validation, 'StakeLocked');
    await timeTravel(601);
    await reverts(validation.connect(outsider).challenge(good, data), validation, 'WindowClosed');
    const fee = await wait(validation.connect(honest).claimFee(good));
    assert.equal(eventsOf(fee, validation, 'FeePaid')[0].args.amount, 500n); // 1001 / 2; the 1 wei remainder went back
    await reverts(validation.connect(forger).claimFee(forged), validation, 'NotPayable');
    await wait(validation.connect(honest).unstake(ethers.parseEther('2')));
  });

  test('verify: true for `hyperion infer` output, false for one changed token; bond and challenge', { timeout: 60_000 }, async () => {
    const params = { maxNewTokens: 12, temperatureQ16: 0, topPQ16: 0, seed: 0 };
    const expected = infer('Once upon a time', 12);
    assert.equal(await verifier.verify(modelHash, 'Once upon a time', params, expected), true);
    const changed = [...expected];
    changed[5] = (changed[5] + 1) % 512;
    assert.equal(await verifier.verify(modelHash, 'Once upon a time', params, changed), false);
    assert.equal(await verifier.verify(modelHash, 'Once upon a time', params, expected.slice(0, 11)), false);

    const coder = ethers.AbiCoder.defaultAbiCoder();
    const inputHash = ethers.keccak256(coder.encode(['string', 'uint32', 'uint32', 'uint32', 'uint64'], ['Once upon a time', 12, 0, 0, 0]));
    const outputHash = (t) => ethers.keccak256(coder.encode(['uint32[]'], [t]));
    const [poster, challenger] = [holders[6], holders[7]];
    await reverts(verifier.connect(poster).postResult(modelHash, inputHash, outputHash(expected), { value: 1n }), verifier, 'BondTooSmall');
    const postedId = async (t) => eventsOf(await wait(verifier.connect(poster).postResult(modelHash, inputHash, outputHash(t), { value: ethers.parseEther('1') })),
      verifier, 'ResultPosted')[0].args.id;
    const honest = await postedId(expected);
    const lying = await postedId(changed);
    await reverts(verifier.connect(challenger).challenge(honest, 'Once upon a time', params), verifier, 'ResultCorrect');
    await reverts(verifier.connect(challenger).challenge(lying, 'Once upon a tim', params), verifier, 'InputMismatch');
    const before = await provider.getBalance(challenger.address);
    const refuted = await wait(verifier.connect(challenger).challenge(lying, 'Once upon a time', params));
    assert.equal(eventsOf(refuted, verifier, 'ResultRefuted')[0].args.actualOutputHash, outputHash(expected));
    assert.equal(await provider.getBalance(challenger.address), before + ethers.parseEther('1') - refuted.gasUsed * refuted.gasPrice);
    await reverts(verifier.finalize(honest), verifier, 'WindowOpen');
    await timeTravel(601);
    await wait(verifier.finalize(honest));
    assert.equal((await verifier.results(honest)).status, 2n); // Accepted
    assert.equal((await verifier.results(lying)).status, 3n); // Refuted
    await reverts(verifier.finalize(lying), verifier, 'NotPosted');
  });
});
