// A Hardhat 3 project run against a Hyperion dev chain (HYPERION_RPC): compiled offline with solc-js from npm.
import { defineConfig } from "hardhat/config";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatNodeTestRunner from "@nomicfoundation/hardhat-node-test-runner";
import hardhatIgnitionViem from "@nomicfoundation/hardhat-ignition-viem";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";

export default defineConfig({
  plugins: [hardhatViem, hardhatNodeTestRunner, hardhatIgnitionViem, hardhatNetworkHelpers],
  solidity: {
    version: "0.8.37",
    // solc-js's emscripten build: Hardhat runs it in process, so nothing is downloaded.
    path: new URL("./node_modules/solc/soljson.js", import.meta.url).pathname,
  },
  networks: {
    hyperion: { type: "http", chainType: "l1", url: process.env.HYPERION_RPC ?? "http://127.0.0.1:8545" },
  },
});
