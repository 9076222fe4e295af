// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The MetisVM inference precompile at 0x0000000000000000000000000000000000000a11: deterministic, integer-only
///         LLM generation with a registered model. Temperature and top-p are Q16 fixed point (65536 = 1.0);
///         temperature 0 is greedy. Text prompts are tokenized with the model's vocabulary, BOS first.
///         Both return the generated token ids (prompt excluded, stopping at BOS) and their decoded bytes.
interface IHyperionInference {
    function generate(bytes32 model, string memory prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed)
        external
        view
        returns (uint32[] memory tokens, string memory text);

    function generateFromTokens(bytes32 model, uint32[] memory prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed)
        external
        view
        returns (uint32[] memory tokens, string memory text);
}

/// @notice The part of the model registry (0x…0a12) callers need.
interface IModelRegistry {
    function isRegistered(bytes32 hash) external view returns (bool);

    function model(bytes32 hash) external view returns (uint64 sizeBytes, uint32 macsPerGas, bool registered);
}

/// @notice Encodes, performs and decodes inference calls. The precompile reverts with a reason (Error(string),
///         "inference precompile: …") on an unregistered model, bad input or a limit, and fails (consuming the gas it
///         was given) with too little gas; `generate*` pass its reason on to their caller.
library HyperionInference {
    address internal constant PRECOMPILE = address(0x0a11);
    address internal constant REGISTRY = address(0x0a12);
    uint32 internal constant ONE_Q16 = 65536;

    function encodeGenerate(bytes32 model, string memory prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeCall(IHyperionInference.generate, (model, prompt, maxNewTokens, temperatureQ16, topPQ16, seed));
    }

    function encodeGenerateFromTokens(bytes32 model, uint32[] memory prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeCall(IHyperionInference.generateFromTokens, (model, prompt, maxNewTokens, temperatureQ16, topPQ16, seed));
    }

    function decodeResult(bytes memory output) internal pure returns (uint32[] memory tokens, string memory text) {
        return abi.decode(output, (uint32[], string));
    }

    function generate(bytes32 model, string memory prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed)
        internal
        view
        returns (uint32[] memory tokens, string memory text)
    {
        return _call(encodeGenerate(model, prompt, maxNewTokens, temperatureQ16, topPQ16, seed));
    }

    function generateFromTokens(bytes32 model, uint32[] memory prompt, uint32 maxNewTokens, uint32 temperatureQ16, uint32 topPQ16, uint64 seed)
        internal
        view
        returns (uint32[] memory tokens, string memory text)
    {
        return _call(encodeGenerateFromTokens(model, prompt, maxNewTokens, temperatureQ16, topPQ16, seed));
    }

    function _call(bytes memory input) private view returns (uint32[] memory, string memory) {
        (bool ok, bytes memory output) = PRECOMPILE.staticcall(input);
        if (!ok) {
            if (output.length > 0) {
                // The precompile's own reason: re-raise it unchanged.
                assembly ("memory-safe") {
                    revert(add(output, 32), mload(output))
                }
            }
            revert("HyperionInference: inference ran out of gas");
        }
        return decodeResult(output);
    }
}
