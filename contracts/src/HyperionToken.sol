// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A plain OpenZeppelin ERC20: the whole supply is minted to the deployer.
contract HyperionToken is ERC20 {
    constructor(uint256 initialSupply) ERC20("Hyperion Token", "HYP") {
        _mint(msg.sender, initialSupply);
    }
}
