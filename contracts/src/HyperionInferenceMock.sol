// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A stand-in for the inference precompile (0x…0a11) in EVMs that do not have it — Foundry's forge test and
///         forge script's local run. Install it with `vm.etch(address(0x0a11), type(HyperionInferenceMock).runtimeCode)`;
///         every call answers `abi.encode(new uint32[](0), "(mock inference)")`. The node computes the real result
///         when the broadcast transaction runs there (forge script ... --broadcast --skip-simulation).
contract HyperionInferenceMock {
    fallback(bytes calldata) external returns (bytes memory) {
        return abi.encode(new uint32[](0), string("(mock inference)"));
    }
}
