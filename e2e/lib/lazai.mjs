// Shared set-up of the LazAI e2e suites: a provider, dev account 0 as owner (nonce-managed), a deploy helper, and the
// test model registered in the model registry (0x…0a12).
import { ethers } from 'ethers';
import { devKeys } from './node.mjs';

export const REGISTRY = '0x0000000000000000000000000000000000000a12';

export async function lazaiSetup(node, model, contracts) {
  const provider = new ethers.JsonRpcProvider(node.url, undefined, { pollingInterval: 50, cacheTimeout: -1 });
  const owner = new ethers.NonceManager(new ethers.Wallet(devKeys[0], provider));
  const deploy = async (name, ...args) => {
    const c = await new ethers.ContractFactory(contracts[name].abi, contracts[name].bytecode, owner).deploy(...args);
    await c.waitForDeployment();
    return c;
  };
  const wait = async (tx) => (await tx).wait();
  await wait(new ethers.Contract(REGISTRY, contracts.ModelRegistry.abi, owner).register(model.hash, model.bytes.length, 64));
  return { provider, owner, deploy, wait };
}
