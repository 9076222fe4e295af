// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {DataAnchoredToken} from "./DataAnchoredToken.sol";

/// @notice The votes of one DAT class as an IVotes token for OpenZeppelin's Governor: a holder's votes are the shares
///         of its unretired tokens of the class (see DataAnchoredToken). Delegation happens on the DAT itself
///         (`delegate(classId, to)`), where the holder is `msg.sender`.
contract ClassVotes is IVotes, IERC6372 {
    DataAnchoredToken public immutable dat;
    uint256 public immutable classId;

    error DelegateOnTheToken(address dat, uint256 classId);

    constructor(DataAnchoredToken dat_, uint256 classId_) {
        dat = dat_;
        classId = classId_;
        dat_.classInfo(classId_); // reverts on an unknown class
    }

    function clock() external view returns (uint48) {
        return dat.clock();
    }

    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() external pure returns (string memory) {
        return "mode=blocknumber&from=default";
    }

    function getVotes(address account) external view returns (uint256) {
        return dat.getVotes(classId, account);
    }

    function getPastVotes(address account, uint256 timepoint) external view returns (uint256) {
        return dat.getPastVotes(classId, account, timepoint);
    }

    function getPastTotalSupply(uint256 timepoint) external view returns (uint256) {
        return dat.getPastTotalSupply(classId, timepoint);
    }

    function delegates(address account) external view returns (address) {
        return dat.delegates(classId, account);
    }

    function delegate(address) external view {
        revert DelegateOnTheToken(address(dat), classId);
    }

    function delegateBySig(address, uint256, uint256, uint8, bytes32, bytes32) external view {
        revert DelegateOnTheToken(address(dat), classId);
    }
}

/// @title iDAO of one DAT class
/// @notice OpenZeppelin Governor with the class's shares as votes and a TimelockController as executor. Make the
///         timelock the class's manager (`dat.setManager(classId, timelock)`) and its proposals set the price per use,
///         the validators and recorders, upgrade the content (a new model version), and spend the treasury (the
///         timelock's own balance). Any address holding shares votes — an agent's key as well as a person's.
contract IDAO is Governor, GovernorSettings, GovernorCountingSimple, GovernorVotes, GovernorVotesQuorumFraction, GovernorTimelockControl {
    uint256 public immutable classId;

    constructor(string memory name_, ClassVotes votes, TimelockController timelock, uint48 votingDelay_, uint32 votingPeriod_, uint256 quorumPercent)
        Governor(name_)
        GovernorSettings(votingDelay_, votingPeriod_, 0)
        GovernorVotes(votes)
        GovernorVotesQuorumFraction(quorumPercent)
        GovernorTimelockControl(timelock)
    {
        classId = votes.classId();
    }

    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function _queueOperations(uint256 proposalId, address[] memory targets, uint256[] memory values, bytes[] memory calldatas, bytes32 descriptionHash)
        internal
        override(Governor, GovernorTimelockControl)
        returns (uint48)
    {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(uint256 proposalId, address[] memory targets, uint256[] memory values, bytes[] memory calldatas, bytes32 descriptionHash)
        internal
        override(Governor, GovernorTimelockControl)
    {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(address[] memory targets, uint256[] memory values, bytes[] memory calldatas, bytes32 descriptionHash)
        internal
        override(Governor, GovernorTimelockControl)
        returns (uint256)
    {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}

/// @notice The iDAO's timelock (OpenZeppelin TimelockController under a name of its own, so deployments and ABIs can
///         refer to it). Proposers: the IDAO; executors: anyone (address 0) once the delay has passed.
contract IDAOTimelock is TimelockController {
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
