// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { ERC20 } from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import { IERC165 } from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import { IOptimismMintableERC20 } from "../universal/IOptimismMintableERC20.sol";

/// @notice A token representing the other layer's `REMOTE_TOKEN`: only this layer's standard bridge mints it (when
///         the remote token arrives) and burns it (when it goes back). Bridges recognize it through ERC165. On L2 it
///         represents an L1 token; on L1, a token native to L2.
contract OptimismMintableERC20 is ERC20, IOptimismMintableERC20, IERC165 {
    address public immutable REMOTE_TOKEN;
    address public immutable BRIDGE;

    event Mint(address indexed account, uint256 amount);
    event Burn(address indexed account, uint256 amount);

    error OnlyBridge();

    constructor(address bridge_, address remoteToken_, string memory name_, string memory symbol_) ERC20(name_, symbol_) {
        BRIDGE = bridge_;
        REMOTE_TOKEN = remoteToken_;
    }

    modifier onlyBridge() {
        if (msg.sender != BRIDGE) revert OnlyBridge();
        _;
    }

    function remoteToken() external view returns (address) {
        return REMOTE_TOKEN;
    }

    function bridge() external view returns (address) {
        return BRIDGE;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC165).interfaceId || interfaceId == type(IOptimismMintableERC20).interfaceId;
    }

    function mint(address to, uint256 amount) external onlyBridge {
        _mint(to, amount);
        emit Mint(to, amount);
    }

    function burn(address from, uint256 amount) external onlyBridge {
        _burn(from, amount);
        emit Burn(from, amount);
    }
}
