// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { OptimismMintableERC20 } from "./OptimismMintableERC20.sol";
import { Predeploys } from "../lib/Predeploys.sol";

/// @notice The OptimismMintableERC20Factory predeploy (0x4200…0012): deploys the L2 representation of an L1 token at
///         a CREATE2 address determined by (remote token, name, symbol).
contract OptimismMintableERC20Factory {
    event StandardL2TokenCreated(address indexed remoteToken, address indexed localToken);
    event OptimismMintableERC20Created(address indexed localToken, address indexed remoteToken, address deployer);

    error ZeroRemoteToken();

    function createOptimismMintableERC20(address remoteToken, string memory name, string memory symbol) external returns (address) {
        if (remoteToken == address(0)) revert ZeroRemoteToken();
        bytes32 salt = keccak256(abi.encode(remoteToken, name, symbol));
        address localToken = address(new OptimismMintableERC20{ salt: salt }(Predeploys.L2_STANDARD_BRIDGE, remoteToken, name, symbol));
        emit StandardL2TokenCreated(remoteToken, localToken);
        emit OptimismMintableERC20Created(localToken, remoteToken, msg.sender);
        return localToken;
    }
}
