// The benches' anvil (chain-bench's peer): automine must mine everything when the client sends ERC20 transfers faster
// than anvil mines them — more than 1,000 transactions ready in its pool at once, where anvil 1.7.1 with its default
// --max-transactions livelocks (e2e/lib/node.mjs, anvilAutomineArgs). Without that argument this test fails: the head
// stops with the pool full, and a batch is not answered or the wait below times out.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { compileContracts } from '../lib/compile.mjs';
import { startNode, batch, mnemonic, anvilAutomineArgs } from '../lib/node.mjs';

const SENDERS = 10; // anvil's funded dev accounts
const PER_SENDER = 300;
const TRANSFERS = SENDERS * PER_SENDER;
const BATCH = 200; // as chain-bench's
const MINED_WITHIN_MS = 60_000;

const anvil = await startNode({ kind: 'anvil', extraArgs: ['--accounts', String(SENDERS), ...anvilAutomineArgs(TRANSFERS)] });
after(() => anvil.stop?.());

test(`anvil mines ${TRANSFERS} ERC20 transfers sent in batches of ${BATCH}, each once the last is answered (chain-bench's shape)`,
  { skip: anvil.unavailable ?? false, timeout: 2 * MINED_WITHIN_MS }, async () => {
    const provider = new ethers.JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const senders = Array.from({ length: SENDERS }, (_, i) => ethers.HDNodeWallet.fromPhrase(mnemonic, undefined, `m/44'/60'/0'/0/${i}`).connect(provider));
    const { contracts } = compileContracts();
    const token = await new ethers.ContractFactory(contracts.HyperionToken.abi, contracts.HyperionToken.bytecode, senders[0]).deploy(10n ** 30n);
    await token.waitForDeployment();
    for (const s of senders.slice(1)) await (await token.transfer(s.address, 10n ** 20n)).wait();
    const firstNonces = await Promise.all(senders.map((s) => provider.getTransactionCount(s.address, 'pending')));
    const tokenAddress = await token.getAddress();
    const recipient = ethers.Wallet.createRandom().address;
    const data = token.interface.encodeFunctionData('transfer', [recipient, 1n]);
    const signed = [];
    // Nonce-major, as chain-bench signs: each batch holds consecutive nonces of every sender.
    for (let k = 0; k < PER_SENDER; k++) {
      for (const [i, s] of senders.entries()) {
        signed.push(await s.signTransaction({ type: 2, chainId: anvil.chainId, nonce: firstNonces[i] + k, to: tokenAddress, data, gasLimit: 60000,
          maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n }));
      }
    }
    const deadline = Date.now() + MINED_WITHIN_MS;
    const answeredWithin = () => AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    for (let i = 0; i < signed.length; i += BATCH) {
      const answer = batch(anvil.url, signed.slice(i, i + BATCH).map((raw) => ['eth_sendRawTransaction', [raw]]));
      await Promise.race([answer, new Promise((_, reject) => answeredWithin().addEventListener('abort', () => reject(new Error(`batch ${i / BATCH} not answered within the wait`))))]);
    }
    let nonces;
    for (;;) {
      nonces = await Promise.all(senders.map((s) => provider.getTransactionCount(s.address, 'latest')));
      if (nonces.every((n, i) => n === firstNonces[i] + PER_SENDER) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(nonces, firstNonces.map((n) => n + PER_SENDER), `mined nonces per sender after ${MINED_WITHIN_MS} ms`);
    const status = await anvil.rpc('txpool_status', []);
    assert.equal(Number(status.pending) + Number(status.queued), 0, 'pool empty');
    provider.destroy();
  });
