// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { AddressAliasing } from "../lib/AddressAliasing.sol";
import { OptimismMintableERC20 } from "./OptimismMintableERC20.sol";

/// @notice The L2StandardBridge predeploy (0x4200…0010): finalizes deposits made through the L1 standard bridge,
///         which reach it as deposit transactions sent by the L1 bridge's alias. Slot 0 holds the L1 bridge; genesis
///         sets it (or the first initialize call does). Part 1: deposits only, no cross-domain messenger.
contract L2StandardBridge {
    address public otherBridge;

    event DepositFinalized(
        address indexed l1Token, address indexed l2Token, address indexed from, address to, uint256 amount, bytes extraData
    );

    error AlreadyInitialized();
    error OnlyOtherBridge();
    error WrongAmount();
    error WrongRemoteToken();
    error TransferFailed();

    function initialize(address otherBridge_) external {
        if (otherBridge != address(0) || otherBridge_ == address(0)) revert AlreadyInitialized();
        otherBridge = otherBridge_;
    }

    modifier onlyOtherBridge() {
        if (msg.sender != AddressAliasing.applyL1ToL2Alias(otherBridge)) revert OnlyOtherBridge();
        _;
    }

    function finalizeBridgeETH(address from, address to, uint256 amount, bytes calldata extraData) external payable onlyOtherBridge {
        if (msg.value != amount) revert WrongAmount();
        emit DepositFinalized(address(0), address(0), from, to, amount, extraData);
        (bool ok,) = to.call{ value: amount }("");
        if (!ok) revert TransferFailed();
    }

    function finalizeBridgeERC20(
        address localToken,
        address remoteToken,
        address from,
        address to,
        uint256 amount,
        bytes calldata extraData
    ) external onlyOtherBridge {
        if (OptimismMintableERC20(localToken).remoteToken() != remoteToken) revert WrongRemoteToken();
        OptimismMintableERC20(localToken).mint(to, amount);
        emit DepositFinalized(remoteToken, localToken, from, to, amount, extraData);
    }
}
