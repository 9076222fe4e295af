// The rollup's L1 contracts (portal, SystemConfig, L1 standard bridge) and the L1Block/GasPriceOracle predeploys,
// compiled with solc-js and run on anvil. The logs they emit and the fees they compute must equal
// tests/Hyperion.Rollup.Tests/Vectors/l1-contracts.json, which the C# decoders are checked against in
// Hyperion.Rollup.Tests (VectorTests): so the Solidity and the C# agree through the same bytes.
// ROLLUP_VECTORS_WRITE=1 rewrites the vector file from this run instead of comparing (after a deliberate change).
// KZG: c-kzg must still produce the commitments and proofs of Vectors/kzg.json that the C# KZG code reproduces.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ethers } from 'ethers';
import kzg from 'c-kzg';
import { compileContracts, contractsDir } from '../lib/compile.mjs';
import { startNode, devKeys, repoRoot } from '../lib/node.mjs';

process.env.E2E_NODE = 'anvil'; // the L1 is anvil, whatever node the other suites test
const vectorsDir = path.join(repoRoot, 'tests/Hyperion.Rollup.Tests/Vectors');
const vectorFile = path.join(vectorsDir, 'l1-contracts.json');
const writing = process.env.ROLLUP_VECTORS_WRITE === '1';
const expected = writing ? null : JSON.parse(fs.readFileSync(vectorFile, 'utf8'));
const actual = {};

const node = await startNode();
const skip = node.unavailable ? `anvil unavailable: ${node.unavailable}` : false;

const L2_BRIDGE = '0x4200000000000000000000000000000000000010';
const L2_MESSENGER = '0x4200000000000000000000000000000000000007';
const L1_BLOCK = '0x4200000000000000000000000000000000000015';
const GAS_PRICE_ORACLE = '0x420000000000000000000000000000000000000F';
const DEPOSITOR = '0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001';
const BATCH_INBOX = '0xff00000000000000000000000000000000000901';
const alias = (a) => ethers.getAddress(ethers.toBeHex((BigInt(a) + 0x1111000000000000000000000000000000001111n) % (1n << 160n), 20));
const logJson = (log) => ({ address: log.address, topics: log.topics, data: log.data });

function check(key, value) {
  actual[key] = value;
  if (!writing) assert.deepEqual(value, expected[key], `${key} differs from ${path.relative(repoRoot, vectorFile)}`);
}

describe('rollup L1 contracts on anvil', { skip, timeout: 300_000 }, () => {
  after(async () => {
    await node.stop?.();
    if (writing) fs.writeFileSync(vectorFile, JSON.stringify(actual, null, 2) + '\n');
  });

  const provider = skip ? null : new ethers.JsonRpcProvider(node.url, undefined, { staticNetwork: true, polling: true, pollingInterval: 50 });
  const owner = skip ? null : new ethers.NonceManager(new ethers.Wallet(devKeys[0], provider));
  const userWallet = skip ? null : new ethers.Wallet(devKeys[1], provider);
  const user = skip ? null : new ethers.NonceManager(userWallet);
  const { contracts } = compileContracts(path.join(contractsDir, 'rollup'));
  const deploy = async (name, ...args) => {
    const factory = new ethers.ContractFactory(contracts[name].abi, contracts[name].bytecode, owner);
    const contract = await factory.deploy(...args);
    const receipt = await contract.deploymentTransaction().wait();
    return { contract, receipt };
  };
  let portal, messenger, bridge;

  test('SystemConfig emits ConfigUpdate for batcher, scalars and gas limit', async () => {
    const { receipt } = await deploy('SystemConfig', owner.signer.address, userWallet.address, 30_000_000n, 1368, 810949, BATCH_INBOX);
    check('systemConfigDeploy', {
      batcher: userWallet.address, gasLimit: 30_000_000, baseFeeScalar: 1368, blobBaseFeeScalar: 810949,
      logs: receipt.logs.map(logJson),
    });
    portal = (await deploy('OptimismPortal', ethers.ZeroAddress)).contract; // deposits never ask the output oracle
    messenger = (await deploy('L1CrossDomainMessenger', await portal.getAddress())).contract;
    bridge = (await deploy('L1StandardBridge', await messenger.getAddress())).contract;
  });

  test('deposits from an EOA and through the bridge (aliased) emit TransactionDeposited v0', async () => {
    const userPortal = portal.connect(user);
    const cases = [
      { name: 'eoa-call', to: '0x00000000000000000000000000000000000000aa', mint: 1000n, value: 400n, gas: 100_000n, isCreation: false, data: '0xdeadbeef' },
      { name: 'eoa-create', to: ethers.ZeroAddress, mint: 0n, value: 0n, gas: 500_000n, isCreation: true, data: '0x600a600c600039600a6000f3602a60005260206000f3' },
    ];
    const deposits = [];
    for (const c of cases) {
      const receipt = await (await userPortal.depositTransaction(c.to, c.value, c.gas, c.isCreation, c.data, { value: c.mint })).wait();
      const log = receipt.logs.find((l) => l.address === (portal.target));
      deposits.push({
        name: c.name, from: userWallet.address, to: c.to, mint: c.mint.toString(), value: c.value.toString(), gasLimit: c.gas.toString(),
        isCreation: c.isCreation, data: c.data, log: logJson(log),
      });
    }

    // Bridge deposits go through the messengers: the portal deposit calls the L2 messenger's relayMessage, sent by
    // the L1 messenger's alias with the bridge's message to the L2 bridge inside.
    const amount = 10n ** 15n;
    const receipt = await (await bridge.connect(user).depositETHTo(userWallet.address, 50_000, '0x', { value: amount })).wait();
    const log = receipt.logs.find((l) => l.address === portal.target);
    const l2Bridge = new ethers.Interface(contracts.L2StandardBridge.abi);
    const relay = async (nonce, value, minGas, bridgeMessage) => ({
      data: messenger.interface.encodeFunctionData('relayMessage', [nonce, bridge.target, L2_BRIDGE, value, minGas, bridgeMessage]),
      gasLimit: (await messenger.baseGas(bridgeMessage, minGas)).toString(),
    });
    const message = l2Bridge.encodeFunctionData('finalizeBridgeETH', [userWallet.address, userWallet.address, amount, '0x']);
    const ethRelay = await relay(1n << 240n, amount, 50_000, message);
    deposits.push({
      name: 'bridge-eth', from: alias(messenger.target), to: L2_MESSENGER, mint: amount.toString(), value: amount.toString(),
      gasLimit: ethRelay.gasLimit, isCreation: false, data: ethRelay.data, log: logJson(log),
    });

    // ERC20: escrowed on L1, minted on L2 by the L2 bridge when the deposit finalizes.
    const base = compileContracts().contracts;
    const token = await new ethers.ContractFactory(base.HyperionToken.abi, base.HyperionToken.bytecode, owner).deploy(10n ** 24n);
    await token.deploymentTransaction().wait();
    const l2Token = '0x000000000000000000000000000000000000cafe';
    const tokens = 5n * 10n ** 18n;
    await (await token.approve(bridge.target, tokens)).wait();
    const erc20Receipt = await (await bridge.depositERC20To(token.target, l2Token, userWallet.address, tokens, 100_000, '0x01')).wait();
    assert.equal(await bridge.deposits(token.target, l2Token), tokens);
    assert.equal(await token.balanceOf(bridge.target), tokens);
    const erc20Message = l2Bridge.encodeFunctionData('finalizeBridgeERC20', [l2Token, token.target, owner.signer.address, userWallet.address, tokens, '0x01']);
    const erc20Relay = await relay((1n << 240n) + 1n, 0n, 100_000, erc20Message);
    deposits.push({
      name: 'bridge-erc20', from: alias(messenger.target), to: L2_MESSENGER, mint: '0', value: '0',
      gasLimit: erc20Relay.gasLimit, isCreation: false, data: erc20Relay.data,
      log: logJson(erc20Receipt.logs.find((l) => l.address === portal.target)),
    });
    check('deposits', deposits);
  });

  test('L1Block and GasPriceOracle predeploys compute the Ecotone and Fjord L1 fee', async () => {
    await node.rpc('anvil_setCode', [L1_BLOCK, contracts.L1Block.deployedBytecode]);
    await node.rpc('anvil_setCode', [GAS_PRICE_ORACLE, contracts.GasPriceOracle.deployedBytecode]);
    await node.rpc('anvil_impersonateAccount', [DEPOSITOR]);
    await node.rpc('anvil_setBalance', [DEPOSITOR, '0x56bc75e2d63100000']);
    const depositor = await provider.getSigner(DEPOSITOR);
    // setL1BlockValuesEcotone: scalars 1368 / 810949, sequence 3, time, number, base fee 7 gwei, blob base fee 2 gwei.
    const calldata = ethers.concat([
      '0x440a5e20', ethers.toBeHex(1368, 4), ethers.toBeHex(810949, 4), ethers.toBeHex(3, 8), ethers.toBeHex(1_700_000_123, 8),
      ethers.toBeHex(19_000_000, 8), ethers.toBeHex(7_000_000_000n, 32), ethers.toBeHex(2_000_000_000n, 32),
      ethers.keccak256('0x01'), ethers.zeroPadValue(BATCH_INBOX, 32),
    ]);
    await (await depositor.sendTransaction({ to: L1_BLOCK, data: calldata })).wait();
    const l1Block = new ethers.Contract(L1_BLOCK, contracts.L1Block.abi, provider);
    assert.equal(await l1Block.baseFeeScalar(), 1368n);
    assert.equal(await l1Block.sequenceNumber(), 3n);
    assert.equal(await l1Block.number(), 19_000_000n);

    const oracle = new ethers.Contract(GAS_PRICE_ORACLE, contracts.GasPriceOracle.abi, provider);
    const unsigned = ethers.Transaction.from({
      type: 2, chainId: 901, nonce: 7, maxPriorityFeePerGas: 1000, maxFeePerGas: 10n ** 9n, gasLimit: 60_000,
      to: '0x00000000000000000000000000000000000000aa', value: 0,
      data: new ethers.Interface(['function transfer(address,uint256)']).encodeFunctionData('transfer', [userWallet.address, 10n ** 18n]),
    }).unsignedSerialized;
    const fees = { l1BlockCalldata: calldata, unsignedTransaction: unsigned, flzCompressLen: (await oracle.flzCompressLen(unsigned)).toString() };
    fees.ecotoneFee = (await oracle.getL1Fee(unsigned)).toString();
    fees.ecotoneGasUsed = (await oracle.getL1GasUsed(unsigned)).toString();
    await (await new ethers.Contract(GAS_PRICE_ORACLE, contracts.GasPriceOracle.abi, depositor).setFjord()).wait();
    fees.fjordFee = (await oracle.getL1Fee(unsigned)).toString();
    fees.fjordGasUsed = (await oracle.getL1GasUsed(unsigned)).toString();
    check('gasPriceOracle', fees);
  });

  test('c-kzg reproduces the KZG vectors the C# code is checked against', () => {
    kzg.loadTrustedSetup(0);
    const vectors = JSON.parse(fs.readFileSync(path.join(vectorsDir, 'kzg.json'), 'utf8'));
    for (const v of vectors) {
      const blob = new Uint8Array(4096 * 32);
      if (v.name === 'pattern') {
        for (let i = 0; i < 4096; i++) for (let j = 1; j < 32; j++) blob[i * 32 + j] = (i * 31 + j * 7) & 0xff;
      }
      const commitment = kzg.blobToKzgCommitment(blob);
      assert.equal(ethers.hexlify(commitment), v.commitment);
      assert.equal(ethers.hexlify(kzg.computeBlobKzgProof(blob, commitment)), v.proof);
    }
  });
});
