// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { CrossDomainMessenger } from "../universal/CrossDomainMessenger.sol";
import { OptimismPortal } from "./OptimismPortal.sol";
import { Predeploys } from "../lib/Predeploys.sol";

/// @notice The L1 messenger: sends messages as portal deposits to the L2CrossDomainMessenger predeploy, and relays
///         the L2 messenger's messages when the portal finalizes their withdrawal (l2Sender = the L2 messenger).
contract L1CrossDomainMessenger is CrossDomainMessenger {
    OptimismPortal public immutable PORTAL;

    constructor(OptimismPortal portal_) CrossDomainMessenger(Predeploys.L2_CROSS_DOMAIN_MESSENGER) {
        PORTAL = portal_;
    }

    function portal() external view returns (address) {
        return address(PORTAL);
    }

    function _sendMessage(uint64 gasLimit, bytes memory data) internal override {
        PORTAL.depositTransaction{ value: msg.value }(OTHER_MESSENGER, msg.value, gasLimit, false, data);
    }

    function _isOtherMessenger() internal view override returns (bool) {
        return msg.sender == address(PORTAL) && PORTAL.l2Sender() == OTHER_MESSENGER;
    }

    function _isUnsafeTarget(address target) internal view override returns (bool) {
        return target == address(this) || target == address(PORTAL);
    }
}
