// The example agent (examples/LazaiAgent, built with the solution) answers an on-chain request: it pays the
// InferenceMarket (fees to the model's and the dataset's holders, exact), checks the recorded output hash and the
// verifier's re-run, posts the answer with a contract tool, and collects the asker's reward. The answer must be the
// text `hyperion infer` prints for the same prompt.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ethers } from 'ethers';
import { compileContracts } from '../lib/compile.mjs';
import { startNode, devKeys, repoRoot } from '../lib/node.mjs';
import { lazaiSetup } from '../lib/lazai.mjs';
import { makeTestModel, hyperionInfer } from '../lib/model.mjs';

const agentDll = path.join(repoRoot, 'artifacts/bin/LazaiAgent/release/LazaiAgent.dll');
const model = makeTestModel('hyperion-agent-');
const node = fs.existsSync(agentDll) ? await startNode({ extraArgs: ['--model-dir', model.dir] }) : { unavailable: `${agentDll} is not built (dotnet build Hyperion.slnx -c Release)` };
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

describe('example agent', { skip, timeout: 180_000 }, () => {
  const { contracts } = compileContracts();
  let provider, owner, dat, market, verifier, requests;
  const agentWallet = new ethers.Wallet(devKeys[1]);
  const price = 10_007n;

  before(async () => {
    let deploy, wait;
    ({ provider, owner, deploy, wait } = await lazaiSetup(node, model, contracts));
    dat = await deploy('DataAnchoredToken');
    market = await deploy('InferenceMarket', dat.target, ethers.Wallet.createRandom().address, 500);
    verifier = await deploy('InferenceVerifier', 1, 600);
    requests = await deploy('AgentRequests', agentWallet.address);
    await wait(dat.createClass(1, ethers.id('stories'), 'ipfs://stories', [], []));
    await wait(dat.createClass(2, model.hash, 'ipfs://model', [1], [4000]));
    await wait(dat.mintDAT(await owner.getAddress(), 1, 0, 0, 3));
    await wait(dat.mintDAT(await owner.getAddress(), 2, 0, 0, 1));
    for (const c of [1, 2]) await wait(dat.setRecorder(c, market.target, true));
    await wait(dat.setPrice(2, price));
  });

  after(async () => {
    provider?.destroy();
    await node.stop?.();
    fs.rmSync(model.dir, { recursive: true, force: true });
  });

  test('answers a request with paid, verified inference and pays the data owners', async () => {
    const abiFile = path.join(model.dir, 'AgentRequests.abi.json');
    fs.writeFileSync(abiFile, JSON.stringify(contracts.AgentRequests.abi));
    const agent = spawn('dotnet', [agentDll, '--rpc', node.url, '--requests', requests.target, '--requests-abi', abiFile,
      '--market', market.target, '--model-class', '2', '--model-hash', model.hash, '--verifier', verifier.target, '--max-tokens', '16', '--once'],
    { env: { ...process.env, AGENT_KEY: devKeys[1] }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    agent.stdout.on('data', (d) => { output += d; });
    agent.stderr.on('data', (d) => { output += d; });
    const exited = new Promise((resolve) => agent.on('exit', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!output.includes('watching') && Date.now() < deadline && agent.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      assert.match(output, /watching/);
      const agentBefore = await provider.getBalance(agentWallet.address);
      await (await requests.ask('Once upon a time', { value: ethers.parseEther('0.01') })).wait();
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 90_000))]);
      assert.equal(code, 0, output);

      const [expectedTokens, expectedText] = hyperionInfer(model.path, 'Once upon a time', 16, { topP: '0' });
      const answered = await requests.request(0);
      assert.equal(answered.answered, true);
      assert.equal(answered.answer, expectedText);
      assert.equal(answered.inferenceId, 1n);
      assert.match(output, /answered request 0 with inference record 1 \(verified, paid 10007 wei\)/);

      const [record] = await market.queryFilter(market.filters.InferenceRecorded(1));
      assert.equal(record.args.caller, agentWallet.address);
      assert.equal(record.args.outputHash, ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['uint32[]'], [expectedTokens])));
      // 10,007 wei: protocol 500; rest 9,507 → dataset 3,802 (40 %, rounded down) over 3 shares, model 5,705
      assert.deepEqual([...(await dat.revenueInfo(1))].slice(0, 3), [3_802n, 1_267n, 1n]);
      assert.deepEqual([...(await dat.revenueInfo(2))].slice(0, 3), [5_705n, 5_705n, 0n]);
      // The agent paid the price and the gas of its two transactions and received the reward, to the wei.
      const [answeredEvent] = await requests.queryFilter(requests.filters.Answered(0));
      const receipts = [await record.getTransactionReceipt(), await answeredEvent.getTransactionReceipt()];
      const gas = receipts.reduce((sum, r) => sum + r.gasUsed * r.gasPrice, 0n);
      assert.equal(await provider.getBalance(agentWallet.address), agentBefore + ethers.parseEther('0.01') - price - gas);
    } finally {
      agent.kill('SIGTERM');
    }
  });
});
