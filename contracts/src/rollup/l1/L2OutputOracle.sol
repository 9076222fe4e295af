// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IOutputFinality } from "./IOutputFinality.sol";
import { Withdrawals } from "../lib/Withdrawals.sol";

/// @notice L2 output roots posted by one proposer every SUBMISSION_INTERVAL L2 blocks (OP proposals.md, Bedrock's
///         L2OutputOracle ABI). During FINALIZATION_PERIOD_SECONDS after posting, the challenger can remove an output
///         and every later one; after that the output is final. The permissioned stage of the rollup: a later fault
///         proof system replaces it behind IOutputFinality.
contract L2OutputOracle is IOutputFinality {
    uint256 public immutable SUBMISSION_INTERVAL;
    uint256 public immutable L2_BLOCK_TIME;
    uint256 public immutable FINALIZATION_PERIOD_SECONDS;
    address public immutable PROPOSER;
    address public immutable CHALLENGER;
    uint256 public immutable startingBlockNumber;
    uint256 public immutable startingTimestamp;

    Withdrawals.OutputProposal[] internal l2Outputs;

    event OutputProposed(
        bytes32 indexed outputRoot, uint256 indexed l2OutputIndex, uint256 indexed l2BlockNumber, uint256 l1Timestamp
    );
    event OutputsDeleted(uint256 indexed prevNextOutputIndex, uint256 indexed newNextOutputIndex);

    error OnlyProposer();
    error OnlyChallenger();
    error ZeroValue(string what);
    error UnexpectedBlockNumber(uint256 expected, uint256 actual);
    error BlockInTheFuture(uint256 l2Timestamp, uint256 l1Timestamp);
    error EmptyOutputRoot();
    error L1BlockHashMismatch();
    error NoSuchOutput(uint256 index);
    error OutputFinalized(uint256 index);

    /// @param startingTimestamp_ L2 time of block `startingBlockNumber_`; 0: this deployment's block time, which
    ///        is the L2 genesis time when this is the rollup's last L1 deployment (`hyperion rollup deploy`).
    constructor(
        uint256 submissionInterval_,
        uint256 l2BlockTime_,
        uint256 startingBlockNumber_,
        uint256 startingTimestamp_,
        address proposer_,
        address challenger_,
        uint256 finalizationPeriodSeconds_
    ) {
        if (submissionInterval_ == 0) revert ZeroValue("submission interval");
        if (l2BlockTime_ == 0) revert ZeroValue("L2 block time");
        if (proposer_ == address(0)) revert ZeroValue("proposer");
        if (challenger_ == address(0)) revert ZeroValue("challenger");
        uint256 start = startingTimestamp_ == 0 ? block.timestamp : startingTimestamp_;
        if (start > block.timestamp) revert BlockInTheFuture(start, block.timestamp);
        SUBMISSION_INTERVAL = submissionInterval_;
        L2_BLOCK_TIME = l2BlockTime_;
        FINALIZATION_PERIOD_SECONDS = finalizationPeriodSeconds_;
        PROPOSER = proposer_;
        CHALLENGER = challenger_;
        startingBlockNumber = startingBlockNumber_;
        startingTimestamp = start;
    }

    function version() external pure returns (string memory) {
        return "1.8.0";
    }

    /// @notice Posts the output root of L2 block `l2BlockNumber`, which must be nextBlockNumber() and already past
    ///         on L1's clock. A nonzero `l1BlockHash` pins the proposal to that L1 block (refused after a reorg).
    function proposeL2Output(bytes32 outputRoot, uint256 l2BlockNumber, bytes32 l1BlockHash, uint256 l1BlockNumber)
        external
        payable
    {
        if (msg.sender != PROPOSER) revert OnlyProposer();
        uint256 expected = nextBlockNumber();
        if (l2BlockNumber != expected) revert UnexpectedBlockNumber(expected, l2BlockNumber);
        uint256 l2Timestamp = computeL2Timestamp(l2BlockNumber);
        if (l2Timestamp >= block.timestamp) revert BlockInTheFuture(l2Timestamp, block.timestamp);
        if (outputRoot == bytes32(0)) revert EmptyOutputRoot();
        if (l1BlockHash != bytes32(0) && blockhash(l1BlockNumber) != l1BlockHash) revert L1BlockHashMismatch();

        emit OutputProposed(outputRoot, l2Outputs.length, l2BlockNumber, block.timestamp);
        l2Outputs.push(
            Withdrawals.OutputProposal({
                outputRoot: outputRoot, timestamp: uint128(block.timestamp), l2BlockNumber: uint128(l2BlockNumber)
            })
        );
    }

    /// @notice Removes the output at `l2OutputIndex` and all after it; only the challenger, only before it is final.
    function deleteL2Outputs(uint256 l2OutputIndex) external {
        if (msg.sender != CHALLENGER) revert OnlyChallenger();
        if (l2OutputIndex >= l2Outputs.length) revert NoSuchOutput(l2OutputIndex);
        if (isOutputFinalized(l2OutputIndex)) revert OutputFinalized(l2OutputIndex);
        uint256 previous = l2Outputs.length;
        assembly {
            sstore(l2Outputs.slot, l2OutputIndex) // shorten the array; the dropped entries are never read again
        }
        emit OutputsDeleted(previous, l2OutputIndex);
    }

    /// @inheritdoc IOutputFinality
    function isOutputFinalized(uint256 index) public view returns (bool) {
        return index < l2Outputs.length && block.timestamp > l2Outputs[index].timestamp + FINALIZATION_PERIOD_SECONDS;
    }

    /// @inheritdoc IOutputFinality
    function getL2Output(uint256 index) external view returns (Withdrawals.OutputProposal memory) {
        if (index >= l2Outputs.length) revert NoSuchOutput(index);
        return l2Outputs[index];
    }

    /// @notice The index of the first output at or after L2 block `l2BlockNumber` (the output that covers it).
    /// @dev Reverts with OP's revert strings, not custom errors: wallets (viem's getWithdrawalStatus) recognise the
    ///      first one as "waiting to prove". A block after the latest output is that case even before any output.
    function getL2OutputIndexAfter(uint256 l2BlockNumber) public view returns (uint256) {
        require(
            l2BlockNumber <= latestBlockNumber(), "L2OutputOracle: cannot get output for a block that has not been proposed"
        );
        require(l2Outputs.length > 0, "L2OutputOracle: cannot get output as no outputs have been proposed yet");
        uint256 low = 0;
        uint256 high = l2Outputs.length;
        while (low < high) {
            uint256 middle = (low + high) / 2;
            if (l2Outputs[middle].l2BlockNumber < l2BlockNumber) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    function getL2OutputAfter(uint256 l2BlockNumber) external view returns (Withdrawals.OutputProposal memory) {
        return l2Outputs[getL2OutputIndexAfter(l2BlockNumber)];
    }

    /// @notice Index of the newest output (reverts when there is none).
    function latestOutputIndex() external view returns (uint256) {
        if (l2Outputs.length == 0) revert NoSuchOutput(0);
        return l2Outputs.length - 1;
    }

    function nextOutputIndex() public view returns (uint256) {
        return l2Outputs.length;
    }

    /// @notice L2 block of the newest output, or the starting block when there is none.
    function latestBlockNumber() public view returns (uint256) {
        return l2Outputs.length == 0 ? startingBlockNumber : l2Outputs[l2Outputs.length - 1].l2BlockNumber;
    }

    function nextBlockNumber() public view returns (uint256) {
        return latestBlockNumber() + SUBMISSION_INTERVAL;
    }

    function computeL2Timestamp(uint256 l2BlockNumber) public view returns (uint256) {
        return startingTimestamp + (l2BlockNumber - startingBlockNumber) * L2_BLOCK_TIME;
    }
}
