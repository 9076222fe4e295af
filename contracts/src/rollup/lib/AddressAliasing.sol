// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice L1→L2 address aliasing (OP deposits.md): an L1 contract appears on L2 at its address plus
///         0x1111000000000000000000000000000000001111, modulo 2^160, so it cannot pose as an L2 contract.
library AddressAliasing {
    uint160 internal constant OFFSET = uint160(0x1111000000000000000000000000000000001111);

    function applyL1ToL2Alias(address l1Address) internal pure returns (address) {
        unchecked {
            return address(uint160(l1Address) + OFFSET);
        }
    }

    function undoL1ToL2Alias(address l2Address) internal pure returns (address) {
        unchecked {
            return address(uint160(l2Address) - OFFSET);
        }
    }
}
