// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Withdrawals } from "../lib/Withdrawals.sol";

/// @notice The L2ToL1MessagePasser predeploy (0x4200…0016, OP withdrawals.md): records the hash of every withdrawal
///         in `sentMessages`, the mapping at storage slot 0, whose storage root goes into each output root, so L1 can
///         check a withdrawal with a storage proof. ETH sent with a withdrawal stays here until `burn`.
contract L2ToL1MessagePasser {
    /// @notice Gas limit of withdrawals made by sending ETH to this contract.
    uint256 internal constant RECEIVE_DEFAULT_GAS_LIMIT = 100_000;

    /// @notice Withdrawal hashes that were initiated (slot 0: provers depend on this position).
    mapping(bytes32 => bool) public sentMessages;

    /// @dev The running count; messageNonce() adds the version.
    uint240 internal msgNonce;

    event MessagePassed(
        uint256 indexed nonce,
        address indexed sender,
        address indexed target,
        uint256 value,
        uint256 gasLimit,
        bytes data,
        bytes32 withdrawalHash
    );

    event WithdrawerBalanceBurnt(uint256 indexed amount);

    /// @notice Withdraws the ETH sent to the sender's own address on L1.
    receive() external payable {
        initiateWithdrawal(msg.sender, RECEIVE_DEFAULT_GAS_LIMIT, bytes(""));
    }

    /// @notice Removes the ETH withdrawn so far from the L2 supply (it is released on L1 instead).
    function burn() external {
        uint256 amount = address(this).balance;
        new Burner{ value: amount }();
        emit WithdrawerBalanceBurnt(amount);
    }

    /// @notice Starts a withdrawal: on L1 the portal will call `target` with `data`, `msg.value` and `gasLimit`
    ///         gas, once the withdrawal is proven against a final output root.
    function initiateWithdrawal(address target, uint256 gasLimit, bytes memory data) public payable {
        uint256 nonce = messageNonce();
        bytes32 withdrawalHash = Withdrawals.hash(
            Withdrawals.WithdrawalTransaction({
                nonce: nonce, sender: msg.sender, target: target, value: msg.value, gasLimit: gasLimit, data: data
            })
        );
        sentMessages[withdrawalHash] = true;
        emit MessagePassed(nonce, msg.sender, target, msg.value, gasLimit, data, withdrawalHash);
        unchecked {
            ++msgNonce;
        }
    }

    /// @notice The nonce of the next withdrawal, version 1 in the top two bytes.
    function messageNonce() public view returns (uint256) {
        return Withdrawals.versionedNonce(msgNonce, Withdrawals.MESSAGE_VERSION);
    }
}

/// @notice Destroys the ETH it is created with: SELFDESTRUCT to itself in the creating transaction (EIP-6780 still
///         deletes the account then), so the balance is gone.
contract Burner {
    constructor() payable {
        selfdestruct(payable(address(this)));
    }
}
