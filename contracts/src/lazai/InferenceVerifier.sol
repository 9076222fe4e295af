// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HyperionInference} from "../HyperionInference.sol";

/// @notice One inference request's parameters (temperature and top-p in Q16: 65536 = 1.0; temperature 0 = greedy).
struct InferenceParams {
    uint32 maxNewTokens;
    uint32 temperatureQ16;
    uint32 topPQ16;
    uint64 seed;
}

/// @notice The hashes an inference is recorded under. input = keccak256(abi.encode(prompt, params)) — the parameters
///         are part of the input because they decide the output; output = keccak256(abi.encode(tokens)).
library InferenceHashes {
    function input(string memory prompt, InferenceParams memory params) internal pure returns (bytes32) {
        return keccak256(abi.encode(prompt, params.maxNewTokens, params.temperatureQ16, params.topPQ16, params.seed));
    }

    function output(uint32[] memory tokens) internal pure returns (bytes32) {
        return keccak256(abi.encode(tokens));
    }
}

/// @title Verifiable inference
/// @notice `verify` re-runs an inference through the precompile (0x…0a11) and compares the tokens, so a result made
///         off chain with `hyperion infer` can be checked by anyone (free with eth_call).
///         Optimistic results: `postResult` records (model, input hash, output hash) with a bond and no re-execution;
///         during `challengeWindow` anyone may `challenge` by giving the input — the contract re-runs it, and a
///         different output pays the whole bond to the challenger and marks the result refuted (a correct result
///         cannot be challenged: the call reverts). After the window `finalize` returns the bond and accepts it.
contract InferenceVerifier {
    enum Status {
        None,
        Posted,
        Accepted,
        Refuted
    }

    struct Result {
        address poster;
        uint64 postedAt;
        Status status;
        bytes32 model;
        bytes32 inputHash;
        bytes32 outputHash;
        uint256 bond;
    }

    uint256 public immutable minBond;
    uint64 public immutable challengeWindow;
    uint256 public resultCount;
    mapping(uint256 => Result) public results;

    error BondTooSmall(uint256 bond, uint256 minBond);
    error NotPosted(uint256 id);
    error WindowClosed(uint256 id, uint256 closedAt);
    error WindowOpen(uint256 id, uint256 closesAt);
    error InputMismatch(uint256 id);
    error ResultCorrect(uint256 id);
    error PaymentFailed(address to, uint256 amount);

    event ResultPosted(uint256 indexed id, address indexed poster, bytes32 indexed model, bytes32 inputHash, bytes32 outputHash, uint256 bond);
    event ResultRefuted(uint256 indexed id, address indexed challenger, bytes32 actualOutputHash);
    event ResultAccepted(uint256 indexed id);

    constructor(uint256 minBond_, uint64 challengeWindow_) {
        minBond = minBond_;
        challengeWindow = challengeWindow_;
    }

    /// @notice True when `model` produces exactly `claimedTokens` for this prompt and parameters.
    function verify(bytes32 model, string calldata prompt, InferenceParams calldata params, uint32[] calldata claimedTokens)
        external
        view
        returns (bool)
    {
        return InferenceHashes.output(_run(model, prompt, params)) == InferenceHashes.output(claimedTokens);
    }

    function postResult(bytes32 model, bytes32 inputHash, bytes32 outputHash) external payable returns (uint256 id) {
        if (msg.value < minBond) revert BondTooSmall(msg.value, minBond);
        id = ++resultCount;
        results[id] = Result(msg.sender, uint64(block.timestamp), Status.Posted, model, inputHash, outputHash, msg.value);
        emit ResultPosted(id, msg.sender, model, inputHash, outputHash, msg.value);
    }

    function challenge(uint256 id, string calldata prompt, InferenceParams calldata params) external {
        Result storage r = results[id];
        if (r.status != Status.Posted) revert NotPosted(id);
        if (block.timestamp >= r.postedAt + challengeWindow) revert WindowClosed(id, r.postedAt + challengeWindow);
        if (InferenceHashes.input(prompt, params) != r.inputHash) revert InputMismatch(id);
        bytes32 actual = InferenceHashes.output(_run(r.model, prompt, params));
        if (actual == r.outputHash) revert ResultCorrect(id);
        r.status = Status.Refuted;
        uint256 bond = r.bond;
        r.bond = 0;
        emit ResultRefuted(id, msg.sender, actual);
        _pay(msg.sender, bond);
    }

    function finalize(uint256 id) external {
        Result storage r = results[id];
        if (r.status != Status.Posted) revert NotPosted(id);
        if (block.timestamp < r.postedAt + challengeWindow) revert WindowOpen(id, r.postedAt + challengeWindow);
        r.status = Status.Accepted;
        uint256 bond = r.bond;
        r.bond = 0;
        emit ResultAccepted(id);
        _pay(r.poster, bond);
    }

    function _run(bytes32 model, string calldata prompt, InferenceParams calldata params) private view returns (uint32[] memory tokens) {
        (tokens,) = HyperionInference.generate(model, prompt, params.maxNewTokens, params.temperatureQ16, params.topPQ16, params.seed);
    }

    function _pay(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert PaymentFailed(to, amount);
    }
}
