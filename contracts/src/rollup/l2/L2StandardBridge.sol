// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { StandardBridge } from "../universal/StandardBridge.sol";
import { CrossDomainMessenger } from "../universal/CrossDomainMessenger.sol";
import { IOptimismMintableERC20 } from "../universal/IOptimismMintableERC20.sol";
import { Predeploys } from "../lib/Predeploys.sol";

/// @notice The L2StandardBridge predeploy (0x4200…0010): finalizes deposits from the L1 standard bridge and
///         withdraws ETH and ERC20s back, through the L2CrossDomainMessenger. Its immutables (the messenger and the
///         L1 bridge) are set in the L2 genesis. `withdraw` takes OP's legacy ETH token address for ETH.
contract L2StandardBridge is StandardBridge {
    /// @notice Stands for ETH in `withdraw` (OP's legacy ERC20 ETH address).
    address internal constant LEGACY_ERC20_ETH = 0xDeadDeAddeAddEAddeadDEaDDEAdDeaDDeAD0000;

    event WithdrawalInitiated(
        address indexed l1Token, address indexed l2Token, address indexed from, address to, uint256 amount, bytes extraData
    );
    event DepositFinalized(
        address indexed l1Token, address indexed l2Token, address indexed from, address to, uint256 amount, bytes extraData
    );

    constructor(address l1Bridge_) StandardBridge(CrossDomainMessenger(Predeploys.L2_CROSS_DOMAIN_MESSENGER), l1Bridge_) { }

    function l1TokenBridge() external view returns (address) {
        return OTHER_BRIDGE;
    }

    /// @notice Withdraws ETH (`l2Token` = 0xDeadDeAdd…0000, msg.value = amount) or an L2 token to the sender on L1.
    function withdraw(address l2Token, uint256 amount, uint32 minGasLimit, bytes calldata extraData) external payable onlyEOA {
        _withdraw(l2Token, msg.sender, msg.sender, amount, minGasLimit, extraData);
    }

    function withdrawTo(address l2Token, address to, uint256 amount, uint32 minGasLimit, bytes calldata extraData) external payable {
        _withdraw(l2Token, msg.sender, to, amount, minGasLimit, extraData);
    }

    function _withdraw(address l2Token, address from, address to, uint256 amount, uint32 minGasLimit, bytes memory extraData) internal {
        if (l2Token == LEGACY_ERC20_ETH) {
            _initiateBridgeETH(from, to, amount, minGasLimit, extraData);
        } else {
            if (msg.value != 0) revert WrongAmount();
            _initiateBridgeERC20(l2Token, IOptimismMintableERC20(l2Token).remoteToken(), from, to, amount, minGasLimit, extraData);
        }
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
        bool eth = localToken == address(0);
        address l1Token = eth ? address(0) : remoteToken;
        address l2Token = eth ? LEGACY_ERC20_ETH : localToken;
        if (initiated) emit WithdrawalInitiated(l1Token, l2Token, from, to, amount, extraData);
        else emit DepositFinalized(l1Token, l2Token, from, to, amount, extraData);
    }
}
