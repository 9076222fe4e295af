// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The withdrawal formats both layers agree on (OP withdrawals.md, proposals.md), shared by the L2 message
///         passer and the L1 portal.
library Withdrawals {
    /// @notice A withdrawal as the L2ToL1MessagePasser recorded it and the portal executes it.
    struct WithdrawalTransaction {
        uint256 nonce;
        address sender;
        address target;
        uint256 value;
        uint256 gasLimit;
        bytes data;
    }

    /// @notice The preimage of an output root of version 0.
    struct OutputRootProof {
        bytes32 version;
        bytes32 stateRoot;
        bytes32 messagePasserStorageRoot;
        bytes32 latestBlockhash;
    }

    /// @notice An output the L1 output oracle holds: the root, the L1 time it was posted and the L2 block it is of.
    struct OutputProposal {
        bytes32 outputRoot;
        uint128 timestamp;
        uint128 l2BlockNumber;
    }

    /// @notice The version in the top two bytes of the message passer's nonces.
    uint16 internal constant MESSAGE_VERSION = 1;

    /// @notice The only output root version.
    bytes32 internal constant OUTPUT_VERSION_V0 = bytes32(0);

    function hash(WithdrawalTransaction memory w) internal pure returns (bytes32) {
        return keccak256(abi.encode(w.nonce, w.sender, w.target, w.value, w.gasLimit, w.data));
    }

    /// @notice keccak256(version ‖ stateRoot ‖ messagePasserStorageRoot ‖ latestBlockhash).
    function outputRoot(OutputRootProof memory p) internal pure returns (bytes32) {
        return keccak256(abi.encode(p.version, p.stateRoot, p.messagePasserStorageRoot, p.latestBlockhash));
    }

    /// @notice The storage slot of `sentMessages[withdrawalHash]` in the message passer (the mapping is at slot 0).
    function sentMessageSlot(bytes32 withdrawalHash) internal pure returns (bytes32) {
        return keccak256(abi.encode(withdrawalHash, uint256(0)));
    }

    /// @notice A nonce with its version in the top two bytes (OP's Encoding.encodeVersionedNonce).
    function versionedNonce(uint240 nonce, uint16 version) internal pure returns (uint256) {
        return (uint256(version) << 240) | uint256(nonce);
    }
}
