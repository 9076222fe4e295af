// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Hyperion model registry (system contract)
/// @notice Predeployed at 0x0000000000000000000000000000000000000a12 in the dev genesis, with `owner` (slot 0) set to
///         the first dev account. Registers the models the inference precompile (0x…0a11) may run, by the Keccak-256
///         content hash of their HQM file. The precompile reads `_models` straight from storage: the entry of `hash`
///         is at slot keccak256(abi.encode(hash, uint256(1))), packed as sizeBytes (bits 0–63) | macsPerGas (bits 64–95)
///         | registered (bits 96–103). Keep the state variables and the struct in this order.
contract ModelRegistry {
    struct Model {
        uint64 sizeBytes; // length of the HQM file
        uint32 macsPerGas; // gas rate: one gas per this many multiply-accumulates
        bool registered;
    }

    address public owner; // slot 0
    mapping(bytes32 => Model) private _models; // slot 1

    error NotOwner(address caller, address owner);
    error InvalidModel(bytes32 hash, uint64 sizeBytes, uint32 macsPerGas);

    event ModelRegistered(bytes32 indexed hash, uint64 sizeBytes, uint32 macsPerGas);
    event ModelDeregistered(bytes32 indexed hash);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender, owner);
        _;
    }

    /// @notice Registers (or re-rates) a model. Every node must hold the file: a node without it refuses blocks that use it.
    function register(bytes32 hash, uint64 sizeBytes, uint32 macsPerGas) external onlyOwner {
        if (hash == bytes32(0) || sizeBytes == 0 || macsPerGas == 0) revert InvalidModel(hash, sizeBytes, macsPerGas);
        _models[hash] = Model(sizeBytes, macsPerGas, true);
        emit ModelRegistered(hash, sizeBytes, macsPerGas);
    }

    function deregister(bytes32 hash) external onlyOwner {
        delete _models[hash];
        emit ModelDeregistered(hash);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function model(bytes32 hash) external view returns (uint64 sizeBytes, uint32 macsPerGas, bool registered) {
        Model memory m = _models[hash];
        return (m.sizeBytes, m.macsPerGas, m.registered);
    }

    function isRegistered(bytes32 hash) external view returns (bool) {
        return _models[hash].registered;
    }
}
