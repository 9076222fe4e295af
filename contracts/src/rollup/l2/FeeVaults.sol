// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A fee vault predeploy: collects one kind of L2 fee and pays it out to its recipient (on L2 in part 1;
///         withdrawal to L1 arrives with the withdrawal path in part 2).
abstract contract FeeVault {
    address public immutable RECIPIENT;
    uint256 public immutable MIN_WITHDRAWAL_AMOUNT;
    uint256 public totalProcessed;

    event Withdrawal(uint256 value, address to, address from);

    error BelowMinimum(uint256 balance, uint256 minimum);
    error TransferFailed();

    constructor(address recipient, uint256 minWithdrawalAmount) {
        RECIPIENT = recipient;
        MIN_WITHDRAWAL_AMOUNT = minWithdrawalAmount;
    }

    receive() external payable {}

    function withdraw() external {
        uint256 value = address(this).balance;
        if (value < MIN_WITHDRAWAL_AMOUNT) revert BelowMinimum(value, MIN_WITHDRAWAL_AMOUNT);
        totalProcessed += value;
        emit Withdrawal(value, RECIPIENT, msg.sender);
        (bool ok,) = RECIPIENT.call{ value: value }("");
        if (!ok) revert TransferFailed();
    }
}

/// @notice 0x4200…0011: priority fees (the block's fee recipient).
contract SequencerFeeVault is FeeVault {
    constructor(address recipient, uint256 minWithdrawalAmount) FeeVault(recipient, minWithdrawalAmount) {}
}

/// @notice 0x4200…0019: the base fee, which OP chains collect instead of burning.
contract BaseFeeVault is FeeVault {
    constructor(address recipient, uint256 minWithdrawalAmount) FeeVault(recipient, minWithdrawalAmount) {}
}

/// @notice 0x4200…001A: the L1 data fee.
contract L1FeeVault is FeeVault {
    constructor(address recipient, uint256 minWithdrawalAmount) FeeVault(recipient, minWithdrawalAmount) {}
}
