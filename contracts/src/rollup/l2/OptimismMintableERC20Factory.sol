// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { OptimismMintableERC20 } from "./OptimismMintableERC20.sol";

/// @notice Deploys the representation of the other layer's token at a CREATE2 address determined by (remote token,
///         name, symbol), minted by BRIDGE. On L2 the predeploy at 0x4200…0012 (BRIDGE = the L2StandardBridge, set
///         in the genesis) represents L1 tokens; on L1 one deployed with the L1StandardBridge represents L2 tokens.
contract OptimismMintableERC20Factory {
    address public immutable BRIDGE;

    event StandardL2TokenCreated(address indexed remoteToken, address indexed localToken);
    event OptimismMintableERC20Created(address indexed localToken, address indexed remoteToken, address deployer);

    error ZeroRemoteToken();

    constructor(address bridge_) {
        BRIDGE = bridge_;
    }

    function bridge() external view returns (address) {
        return BRIDGE;
    }

    function createOptimismMintableERC20(address remoteToken, string memory name, string memory symbol) external returns (address) {
        if (remoteToken == address(0)) revert ZeroRemoteToken();
        bytes32 salt = keccak256(abi.encode(remoteToken, name, symbol));
        address localToken = address(new OptimismMintableERC20{ salt: salt }(BRIDGE, remoteToken, name, symbol));
        emit StandardL2TokenCreated(remoteToken, localToken);
        emit OptimismMintableERC20Created(localToken, remoteToken, msg.sender);
        return localToken;
    }
}
