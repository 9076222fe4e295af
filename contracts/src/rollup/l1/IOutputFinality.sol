// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { Withdrawals } from "../lib/Withdrawals.sol";

/// @notice What the portal asks about L2 outputs, and all it asks: the permissioned L2OutputOracle answers it now;
///         a fault-proof game can answer it later without the portal changing.
interface IOutputFinality {
    /// @notice The output at `index` (reverts when there is none).
    function getL2Output(uint256 index) external view returns (Withdrawals.OutputProposal memory);

    /// @notice Whether the output at `index` can no longer be removed, so withdrawals proven against it may execute.
    function isOutputFinalized(uint256 index) external view returns (bool);

    /// @notice Seconds a withdrawal proof must wait before finalization (so that a wrong output it was proven
    ///         against can be removed first).
    function FINALIZATION_PERIOD_SECONDS() external view returns (uint256);
}
