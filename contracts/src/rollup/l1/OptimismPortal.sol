// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { AddressAliasing } from "../lib/AddressAliasing.sol";

/// @notice The deposit entry point on L1 (OP deposits.md "Deposit Contract"). Every deposit emits
///         TransactionDeposited with version-0 opaque data, which the rollup node turns into an L2 deposit
///         transaction (type 0x7E) that mints msg.value to the sender and cannot fail to be included.
///         Part 1 of the rollup: no withdrawals and no resource metering market; a per-deposit gas cap instead.
contract OptimismPortal {
    /// @notice Version of the TransactionDeposited opaque data.
    uint256 public constant DEPOSIT_VERSION = 0;

    /// @notice Gas limit of deposits made by sending ETH to the portal.
    uint64 public constant RECEIVE_DEFAULT_GAS_LIMIT = 100_000;

    /// @notice Most gas one deposit may ask for (OP's default resource limit per L1 block).
    uint64 public constant MAX_DEPOSIT_GAS_LIMIT = 20_000_000;

    /// @notice Largest calldata of one deposit.
    uint256 public constant MAX_DATA_SIZE = 120_000;

    error SmallGasLimit(uint64 gasLimit, uint64 minimum);
    error LargeGasLimit(uint64 gasLimit, uint64 maximum);
    error LargeCalldata(uint256 size);
    error BadTarget();

    event TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData);

    receive() external payable {
        depositTransaction(msg.sender, msg.value, RECEIVE_DEFAULT_GAS_LIMIT, false, bytes(""));
    }

    /// @notice The least gas a deposit of `byteCount` calldata bytes may ask for: it pays for its own L2 intrinsic gas.
    function minimumGasLimit(uint64 byteCount) public pure returns (uint64) {
        return byteCount * 16 + 21_000;
    }

    /// @notice Deposits a transaction to L2: `value` of the attached ETH is sent to `to` (all of msg.value is minted
    ///         to the sender first). A contract caller is aliased so that it cannot pose as an L2 contract.
    function depositTransaction(address to, uint256 value, uint64 gasLimit, bool isCreation, bytes memory data) public payable {
        if (isCreation && to != address(0)) revert BadTarget();
        uint64 minimum = minimumGasLimit(uint64(data.length));
        if (gasLimit < minimum) revert SmallGasLimit(gasLimit, minimum);
        if (gasLimit > MAX_DEPOSIT_GAS_LIMIT) revert LargeGasLimit(gasLimit, MAX_DEPOSIT_GAS_LIMIT);
        if (data.length > MAX_DATA_SIZE) revert LargeCalldata(data.length);

        address from = msg.sender;
        if (msg.sender != tx.origin) {
            from = AddressAliasing.applyL1ToL2Alias(msg.sender);
        }

        bytes memory opaqueData = abi.encodePacked(msg.value, value, gasLimit, isCreation, data);
        emit TransactionDeposited(from, to, DEPOSIT_VERSION, opaqueData);
    }
}
