// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A token one standard bridge mints and burns, representing `remoteToken` of the other layer (ERC165-detected).
interface IOptimismMintableERC20 {
    function remoteToken() external view returns (address);

    function bridge() external view returns (address);

    function mint(address to, uint256 amount) external;

    function burn(address from, uint256 amount) external;
}
