// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Predeploys } from "../lib/Predeploys.sol";

/// @notice The L1Block predeploy (0x4200…0015): the L1 origin's attributes, written by the first transaction of
///         every L2 block (the L1 attributes deposit). The storage layout is OP's, which the execution engine reads
///         for the L1 fee: slot 1 base fee, slot 3 scalars and sequence number, slot 7 blob base fee.
contract L1Block {
    error NotDepositor();

    uint64 public number;
    uint64 public timestamp;
    uint256 public basefee;
    bytes32 public hash;
    uint64 public sequenceNumber;
    uint32 public blobBaseFeeScalar;
    uint32 public baseFeeScalar;
    bytes32 public batcherHash;
    uint256 public l1FeeOverhead;
    uint256 public l1FeeScalar;
    uint256 public blobBaseFee;

    function DEPOSITOR_ACCOUNT() external pure returns (address) {
        return Predeploys.DEPOSITOR_ACCOUNT;
    }

    /// @notice Ecotone form: the arguments are packed after the selector (ecotone/l1-attributes.md):
    ///         baseFeeScalar (4) ‖ blobBaseFeeScalar (4) ‖ sequenceNumber (8) ‖ timestamp (8) ‖ number (8) ‖
    ///         basefee (32) ‖ blobBaseFee (32) ‖ hash (32) ‖ batcherHash (32).
    function setL1BlockValuesEcotone() external {
        if (msg.sender != Predeploys.DEPOSITOR_ACCOUNT) revert NotDepositor();
        assembly {
            // slot 3 packs sequenceNumber (low 8 bytes), blobBaseFeeScalar, baseFeeScalar (high): calldata 4..20.
            sstore(sequenceNumber.slot, shr(128, calldataload(4)))
            // slot 0 packs number (low 8 bytes) and timestamp: calldata 20..36.
            sstore(number.slot, shr(128, calldataload(20)))
            sstore(basefee.slot, calldataload(36))
            sstore(blobBaseFee.slot, calldataload(68))
            sstore(hash.slot, calldataload(100))
            sstore(batcherHash.slot, calldataload(132))
        }
    }
}
