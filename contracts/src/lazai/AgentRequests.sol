// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Example for an on-chain agent (examples/LazaiAgent): anyone asks with a reward; the agent answers with
///         paid, recorded inference (the InferenceMarket pays the model's and datasets' holders) and names the
///         inference record, and the reward goes to the agent.
contract AgentRequests {
    struct Request {
        address asker;
        uint256 reward;
        bool answered;
        uint256 inferenceId;
        string prompt;
        string answer;
    }

    address public immutable agent;
    Request[] private _requests;

    error NotAgent(address caller);
    error AlreadyAnswered(uint256 id);
    error UnknownRequest(uint256 id);
    error PaymentFailed(address to, uint256 amount);

    event Asked(uint256 indexed id, address indexed asker, string prompt, uint256 reward);
    event Answered(uint256 indexed id, uint256 indexed inferenceId, string answer);

    constructor(address agent_) {
        agent = agent_;
    }

    function ask(string calldata prompt) external payable returns (uint256 id) {
        id = _requests.length;
        _requests.push(Request(msg.sender, msg.value, false, 0, prompt, ""));
        emit Asked(id, msg.sender, prompt, msg.value);
    }

    function answer(uint256 id, string calldata text, uint256 inferenceId) external {
        if (msg.sender != agent) revert NotAgent(msg.sender);
        if (id >= _requests.length) revert UnknownRequest(id);
        Request storage r = _requests[id];
        if (r.answered) revert AlreadyAnswered(id);
        r.answered = true;
        r.answer = text;
        r.inferenceId = inferenceId;
        emit Answered(id, inferenceId, text);
        (bool ok,) = agent.call{value: r.reward}("");
        if (!ok) revert PaymentFailed(agent, r.reward);
    }

    function request(uint256 id) external view returns (Request memory) {
        if (id >= _requests.length) revert UnknownRequest(id);
        return _requests[id];
    }
}
