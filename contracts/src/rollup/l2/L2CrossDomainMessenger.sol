// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { CrossDomainMessenger } from "../universal/CrossDomainMessenger.sol";
import { AddressAliasing } from "../lib/AddressAliasing.sol";
import { Predeploys } from "../lib/Predeploys.sol";
import { L2ToL1MessagePasser } from "./L2ToL1MessagePasser.sol";

/// @notice The L2CrossDomainMessenger predeploy (0x4200…0007): sends messages as withdrawals through the
///         L2ToL1MessagePasser to the L1 messenger, and relays the L1 messenger's deposits (sent by its alias).
///         OTHER_MESSENGER, an immutable, is set in the L2 genesis.
contract L2CrossDomainMessenger is CrossDomainMessenger {
    constructor(address l1Messenger_) CrossDomainMessenger(l1Messenger_) { }

    function l1CrossDomainMessenger() external view returns (address) {
        return OTHER_MESSENGER;
    }

    function _sendMessage(uint64 gasLimit, bytes memory data) internal override {
        L2ToL1MessagePasser(payable(Predeploys.L2_TO_L1_MESSAGE_PASSER)).initiateWithdrawal{ value: msg.value }(OTHER_MESSENGER, gasLimit, data);
    }

    function _isOtherMessenger() internal view override returns (bool) {
        return AddressAliasing.undoL1ToL2Alias(msg.sender) == OTHER_MESSENGER;
    }

    function _isUnsafeTarget(address target) internal view override returns (bool) {
        return target == address(this) || target == Predeploys.L2_TO_L1_MESSAGE_PASSER;
    }
}
