// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StoryTeller, HyperionInferenceMock} from "../src/Stories.sol";

interface Vm {
    function envBytes32(string calldata name) external view returns (bytes32);
    function etch(address target, bytes calldata code) external;
    function startBroadcast() external;
    function stopBroadcast() external;
}

/// @notice Writes a story with the AI precompile. forge runs the script in its own EVM first, which has no 0x…0a11:
///         the mock stands in there, and --skip-simulation sends the transactions without re-running them in forge's
///         EVM. The node runs the real inference:
///         MODEL=0x… forge script script/Story.s.sol --rpc-url … --private-key … --broadcast --skip-simulation
contract Story {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function run() external returns (StoryTeller teller) {
        vm.etch(address(0x0a11), type(HyperionInferenceMock).runtimeCode);
        vm.startBroadcast();
        teller = new StoryTeller(vm.envBytes32("MODEL"));
        teller.write("Once upon a time", 8, 0, 0, 0);
        vm.stopBroadcast();
    }
}
