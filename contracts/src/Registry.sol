// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Exercises what clients decode: indexed and unindexed events, custom errors, require strings, panics.
contract Registry {
    error NotOwner(address caller, address owner);
    error NameTaken(string name);

    event Registered(address indexed owner, bytes32 indexed nameHash, string name, uint256 value);
    event Cleared(address indexed by);

    address public immutable owner;
    mapping(bytes32 => address) public ownerOf;
    uint256 public count;

    constructor() {
        owner = msg.sender;
    }

    function register(string calldata name) external payable returns (uint256) {
        bytes32 nameHash = keccak256(bytes(name));
        if (ownerOf[nameHash] != address(0)) revert NameTaken(name);
        require(bytes(name).length > 0, "empty name");
        ownerOf[nameHash] = msg.sender;
        count += 1;
        emit Registered(msg.sender, nameHash, name, msg.value);
        return count;
    }

    function clear() external {
        if (msg.sender != owner) revert NotOwner(msg.sender, owner);
        count = 0;
        emit Cleared(msg.sender);
    }

    function divide(uint256 a, uint256 b) external pure returns (uint256) {
        return a / b; // b == 0 reverts with Panic(0x12)
    }
}
