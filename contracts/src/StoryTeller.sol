// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HyperionInference} from "./HyperionInference.sol";

/// @notice Example: continues prompts with an on-chain model and keeps the stories.
contract StoryTeller {
    struct Story {
        address author;
        string prompt;
        string text;
        uint32[] tokens;
    }

    bytes32 public immutable model;
    Story[] private _stories;

    event StoryWritten(uint256 indexed id, address indexed author, string prompt, string text, uint32[] tokens);

    constructor(bytes32 model_) {
        model = model_;
    }

    /// @notice What `write` would store, without a transaction (eth_call).
    function preview(string calldata prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed)
        external
        view
        returns (uint32[] memory tokens, string memory text)
    {
        return HyperionInference.generate(model, prompt, maxNewTokens, temperatureQ16, topPQ16, seed);
    }

    function write(string calldata prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed)
        external
        returns (uint256 id)
    {
        (uint32[] memory tokens, string memory text) =
            HyperionInference.generate(model, prompt, maxNewTokens, temperatureQ16, topPQ16, seed);
        id = _stories.length;
        _stories.push(Story(msg.sender, prompt, text, tokens));
        emit StoryWritten(id, msg.sender, prompt, text, tokens);
    }

    function story(uint256 id) external view returns (address author, string memory prompt, string memory text, uint32[] memory tokens) {
        Story storage s = _stories[id];
        return (s.author, s.prompt, s.text, s.tokens);
    }

    function storyCount() external view returns (uint256) {
        return _stories.length;
    }
}
