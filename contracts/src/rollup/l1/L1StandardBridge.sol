// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { StandardBridge } from "../universal/StandardBridge.sol";
import { CrossDomainMessenger } from "../universal/CrossDomainMessenger.sol";
import { Predeploys } from "../lib/Predeploys.sol";

/// @notice The L1 standard bridge (OP bridges.md): deposits ETH and ERC20s to the L2StandardBridge predeploy and
///         finalizes what comes back from it, through the L1CrossDomainMessenger. L1 tokens are escrowed; tokens
///         native to L2 arrive as OptimismMintableERC20s made by the L1 OptimismMintableERC20Factory.
contract L1StandardBridge is StandardBridge {
    event ETHDepositInitiated(address indexed from, address indexed to, uint256 amount, bytes extraData);
    event ETHWithdrawalFinalized(address indexed from, address indexed to, uint256 amount, bytes extraData);
    event ERC20DepositInitiated(
        address indexed l1Token, address indexed l2Token, address indexed from, address to, uint256 amount, bytes extraData
    );
    event ERC20WithdrawalFinalized(
        address indexed l1Token, address indexed l2Token, address indexed from, address to, uint256 amount, bytes extraData
    );

    constructor(CrossDomainMessenger messenger_) StandardBridge(messenger_, Predeploys.L2_STANDARD_BRIDGE) { }

    function l2TokenBridge() external pure returns (address) {
        return Predeploys.L2_STANDARD_BRIDGE;
    }

    /// @notice OP's legacy names of bridgeETH, bridgeETHTo, bridgeERC20 and bridgeERC20To.
    function depositETH(uint32 minGasLimit, bytes calldata extraData) external payable {
        bridgeETH(minGasLimit, extraData);
    }

    function depositETHTo(address to, uint32 minGasLimit, bytes calldata extraData) external payable {
        bridgeETHTo(to, minGasLimit, extraData);
    }

    function depositERC20(address l1Token, address l2Token, uint256 amount, uint32 minGasLimit, bytes calldata extraData) external {
        bridgeERC20(l1Token, l2Token, amount, minGasLimit, extraData);
    }

    function depositERC20To(address l1Token, address l2Token, address to, uint256 amount, uint32 minGasLimit, bytes calldata extraData)
        external
    {
        bridgeERC20To(l1Token, l2Token, to, amount, minGasLimit, extraData);
    }

    /// @notice OP's legacy name of finalizeBridgeETH.
    function finalizeETHWithdrawal(address from, address to, uint256 amount, bytes calldata extraData) external payable {
        finalizeBridgeETH(from, to, amount, extraData);
    }

    /// @notice OP's legacy name of finalizeBridgeERC20.
    function finalizeERC20Withdrawal(
        address l1Token,
        address l2Token,
        address from,
        address to,
        uint256 amount,
        bytes calldata extraData
    ) external {
        finalizeBridgeERC20(l1Token, l2Token, from, to, amount, extraData);
    }

    function _emitLegacyEvent(
        bool initiated,
        address localToken,
        address remoteToken,
        address from,
        address to,
        uint256 amount,
        bytes memory extraData
    ) internal override {
        if (localToken == address(0)) {
            if (initiated) emit ETHDepositInitiated(from, to, amount, extraData);
            else emit ETHWithdrawalFinalized(from, to, amount, extraData);
        } else if (initiated) {
            emit ERC20DepositInitiated(localToken, remoteToken, from, to, amount, extraData);
        } else {
            emit ERC20WithdrawalFinalized(localToken, remoteToken, from, to, amount, extraData);
        }
    }
}
