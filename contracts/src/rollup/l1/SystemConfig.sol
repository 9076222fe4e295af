// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Ownable } from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice The rollup's L1 system configuration (OP system-config.md): batcher, fee scalars and L2 gas limit.
///         Every change emits ConfigUpdate; the derivation applies it from the L1 block that emitted it.
contract SystemConfig is Ownable {
    enum UpdateType {
        BATCHER,
        FEE_SCALARS,
        GAS_LIMIT,
        UNSAFE_BLOCK_SIGNER
    }

    uint256 public constant VERSION = 0;

    /// @notice L2 gas limit bounds: room for the largest deposit plus the L1 attributes transaction, and a ceiling.
    uint64 public constant MINIMUM_GAS_LIMIT = 21_000_000;
    uint64 public constant MAXIMUM_GAS_LIMIT = 200_000_000;

    event ConfigUpdate(uint256 indexed version, UpdateType indexed updateType, bytes data);

    error GasLimitOutOfRange(uint64 gasLimit);

    /// @notice Versioned batcher hash: version 0 is the batcher address left-padded to 32 bytes.
    bytes32 public batcherHash;
    /// @notice Pre-Ecotone overhead (always 0 here) and the versioned Ecotone scalar.
    uint256 public overhead;
    uint256 public scalar;
    uint32 public basefeeScalar;
    uint32 public blobbasefeeScalar;
    uint64 public gasLimit;
    /// @notice Where batcher transactions are sent (an address without code).
    address public immutable batchInbox;
    /// @notice The L1 block the rollup starts deriving from.
    uint256 public immutable startBlock;

    constructor(address owner_, address batcher_, uint64 gasLimit_, uint32 basefeeScalar_, uint32 blobbasefeeScalar_, address batchInbox_)
        Ownable(owner_)
    {
        batchInbox = batchInbox_;
        startBlock = block.number;
        _setBatcherHash(bytes32(uint256(uint160(batcher_))));
        _setGasConfigEcotone(basefeeScalar_, blobbasefeeScalar_);
        _setGasLimit(gasLimit_);
    }

    function batcher() external view returns (address) {
        return address(uint160(uint256(batcherHash)));
    }

    function setBatcherHash(bytes32 batcherHash_) external onlyOwner {
        _setBatcherHash(batcherHash_);
    }

    function setGasConfigEcotone(uint32 basefeeScalar_, uint32 blobbasefeeScalar_) external onlyOwner {
        _setGasConfigEcotone(basefeeScalar_, blobbasefeeScalar_);
    }

    function setGasLimit(uint64 gasLimit_) external onlyOwner {
        _setGasLimit(gasLimit_);
    }

    function _setBatcherHash(bytes32 batcherHash_) internal {
        batcherHash = batcherHash_;
        emit ConfigUpdate(VERSION, UpdateType.BATCHER, abi.encode(batcherHash_));
    }

    function _setGasConfigEcotone(uint32 basefeeScalar_, uint32 blobbasefeeScalar_) internal {
        basefeeScalar = basefeeScalar_;
        blobbasefeeScalar = blobbasefeeScalar_;
        // Scalar version 1: blob base fee scalar in bytes [24, 28), base fee scalar in bytes [28, 32).
        scalar = (uint256(0x01) << 248) | (uint256(blobbasefeeScalar_) << 32) | basefeeScalar_;
        overhead = 0;
        emit ConfigUpdate(VERSION, UpdateType.FEE_SCALARS, abi.encode(overhead, scalar));
    }

    function _setGasLimit(uint64 gasLimit_) internal {
        if (gasLimit_ < MINIMUM_GAS_LIMIT || gasLimit_ > MAXIMUM_GAS_LIMIT) revert GasLimitOutOfRange(gasLimit_);
        gasLimit = gasLimit_;
        emit ConfigUpdate(VERSION, UpdateType.GAS_LIMIT, abi.encode(gasLimit_));
    }
}
