// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { OptimismPortal } from "./OptimismPortal.sol";
import { L2StandardBridge } from "../l2/L2StandardBridge.sol";
import { Predeploys } from "../lib/Predeploys.sol";

/// @notice Deposits ETH and ERC20 tokens to L2 through the portal (OP bridges.md, deposits only in part 1). The L2
///         bridge accepts the finalization only from this bridge's alias. Escrowed ERC20 balances are tracked per
///         (L1 token, L2 token) pair for the withdrawals of part 2.
contract L1StandardBridge {
    using SafeERC20 for IERC20;

    /// @notice Gas the L2 finalization gets on top of the caller's minimum.
    uint32 public constant FINALIZE_GAS_OVERHEAD = 200_000;

    OptimismPortal public immutable portal;
    mapping(address l1Token => mapping(address l2Token => uint256)) public deposits;

    event ETHDepositInitiated(address indexed from, address indexed to, uint256 amount, bytes extraData);
    event ERC20DepositInitiated(
        address indexed l1Token, address indexed l2Token, address indexed from, address to, uint256 amount, bytes extraData
    );

    error OnlyEOA();

    constructor(OptimismPortal portal_) {
        portal = portal_;
    }

    receive() external payable {
        if (msg.sender != tx.origin) revert OnlyEOA();
        _depositETH(msg.sender, msg.sender, 200_000, bytes(""));
    }

    function depositETH(uint32 minGasLimit, bytes calldata extraData) external payable {
        _depositETH(msg.sender, msg.sender, minGasLimit, extraData);
    }

    function depositETHTo(address to, uint32 minGasLimit, bytes calldata extraData) external payable {
        _depositETH(msg.sender, to, minGasLimit, extraData);
    }

    function depositERC20(address l1Token, address l2Token, uint256 amount, uint32 minGasLimit, bytes calldata extraData) external {
        _depositERC20(l1Token, l2Token, msg.sender, msg.sender, amount, minGasLimit, extraData);
    }

    function depositERC20To(address l1Token, address l2Token, address to, uint256 amount, uint32 minGasLimit, bytes calldata extraData)
        external
    {
        _depositERC20(l1Token, l2Token, msg.sender, to, amount, minGasLimit, extraData);
    }

    function _depositETH(address from, address to, uint32 minGasLimit, bytes memory extraData) internal {
        emit ETHDepositInitiated(from, to, msg.value, extraData);
        bytes memory message = abi.encodeCall(L2StandardBridge.finalizeBridgeETH, (from, to, msg.value, extraData));
        portal.depositTransaction{ value: msg.value }(
            Predeploys.L2_STANDARD_BRIDGE, msg.value, _gas(minGasLimit, message), false, message
        );
    }

    function _depositERC20(
        address l1Token,
        address l2Token,
        address from,
        address to,
        uint256 amount,
        uint32 minGasLimit,
        bytes memory extraData
    ) internal {
        IERC20(l1Token).safeTransferFrom(from, address(this), amount);
        deposits[l1Token][l2Token] += amount;
        emit ERC20DepositInitiated(l1Token, l2Token, from, to, amount, extraData);
        bytes memory message =
            abi.encodeCall(L2StandardBridge.finalizeBridgeERC20, (l2Token, l1Token, from, to, amount, extraData));
        portal.depositTransaction(Predeploys.L2_STANDARD_BRIDGE, 0, _gas(minGasLimit, message), false, message);
    }

    function _gas(uint32 minGasLimit, bytes memory message) internal view returns (uint64) {
        uint64 gas = uint64(minGasLimit) + FINALIZE_GAS_OVERHEAD;
        uint64 floor = portal.minimumGasLimit(uint64(message.length));
        return gas < floor ? floor : gas;
    }
}
