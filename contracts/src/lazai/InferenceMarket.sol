// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {HyperionInference} from "../HyperionInference.sol";
import {DataAnchoredToken} from "./DataAnchoredToken.sol";
import {InferenceHashes, InferenceParams} from "./InferenceVerifier.sol";

/// @title Paid, recorded inference
/// @notice `infer` charges the model class's price per use (set by its manager — its iDAO), runs the model whose HQM
///         hash is the class's content hash through the precompile, records the use on the model class and on every
///         dataset class of its provenance, and splits the fee (all divisions round down):
///           protocol = price · protocolBps / 10,000                      → the vault (accrued here, `sweep` sends it)
///           rest     = price − protocol
///           data_i   = rest · parentBps_i / 10,000  for each parent class → that class's holders (settleRevenue)
///           compute  = rest − Σ data_i                                   → the model class's holders
///         so the model's holders also receive every rounding remainder, and price = protocol + compute + Σ data_i.
///         Each use emits `InferenceRecorded` (model hash, input hash, output hash, gas of the precompile call).
contract InferenceMarket {
    DataAnchoredToken public immutable dat;
    address public immutable vault;
    uint16 public immutable protocolBps;
    uint256 public inferenceCount;
    uint256 public protocolAccrued;

    error NotAModel(uint256 classId);
    error WrongPayment(uint256 paid, uint256 price);
    error InvalidProtocolShare(uint16 bps);
    error PaymentFailed(address to, uint256 amount);

    event InferenceRecorded(
        uint256 indexed id,
        address indexed caller,
        uint256 indexed modelClass,
        bytes32 modelHash,
        bytes32 inputHash,
        bytes32 outputHash,
        uint256 gasUsed,
        uint256 price
    );
    event FeesSplit(uint256 indexed id, uint256 protocolFee, uint256 computeFee, uint256 dataFee);

    constructor(DataAnchoredToken dat_, address vault_, uint16 protocolBps_) {
        if (protocolBps_ > 10_000) revert InvalidProtocolShare(protocolBps_);
        dat = dat_;
        vault = vault_;
        protocolBps = protocolBps_;
    }

    /// @notice The fee split of one use of `modelClass` at its current price.
    function quote(uint256 modelClass)
        public
        view
        returns (uint256 price, uint256 protocolFee, uint256 computeFee, uint256[] memory dataClasses, uint256[] memory dataFees)
    {
        DataAnchoredToken.Kind kind;
        (kind,,,, price,) = dat.classInfo(modelClass);
        if (kind != DataAnchoredToken.Kind.Model) revert NotAModel(modelClass);
        uint16[] memory bps;
        (dataClasses, bps) = dat.provenance(modelClass);
        protocolFee = price * protocolBps / 10_000;
        uint256 rest = price - protocolFee;
        dataFees = new uint256[](dataClasses.length);
        computeFee = rest;
        for (uint256 i = 0; i < dataClasses.length; i++) {
            dataFees[i] = rest * bps[i] / 10_000;
            computeFee -= dataFees[i];
        }
    }

    /// @notice Pays exactly the price in `msg.value` and returns the generated tokens and text.
    function infer(uint256 modelClass, string calldata prompt, InferenceParams calldata params)
        external
        payable
        returns (uint256 id, uint32[] memory tokens, string memory text)
    {
        (,, bytes32 modelHash,,,) = dat.classInfo(modelClass);
        _charge(modelClass);
        uint256 gasBefore = gasleft();
        (tokens, text) = HyperionInference.generate(modelHash, prompt, params.maxNewTokens, params.temperatureQ16, params.topPQ16, params.seed);
        uint256 gasUsed = gasBefore - gasleft();
        id = inferenceCount;
        emit InferenceRecorded(
            id, msg.sender, modelClass, modelHash, InferenceHashes.input(prompt, params), InferenceHashes.output(tokens), gasUsed, msg.value
        );
    }

    /// @dev Takes the payment, records the use on the model and its datasets and settles each class's part.
    function _charge(uint256 modelClass) private {
        (uint256 price, uint256 protocolFee, uint256 computeFee, uint256[] memory dataClasses, uint256[] memory dataFees) = quote(modelClass);
        if (msg.value != price) revert WrongPayment(msg.value, price);
        uint256 id = ++inferenceCount;
        protocolAccrued += protocolFee;
        dat.recordUsage(modelClass, msg.sender, 1, computeFee);
        if (computeFee != 0) dat.settleRevenue{value: computeFee}(modelClass);
        uint256 dataTotal;
        for (uint256 i = 0; i < dataClasses.length; i++) {
            dat.recordUsage(dataClasses[i], msg.sender, 1, dataFees[i]);
            if (dataFees[i] != 0) dat.settleRevenue{value: dataFees[i]}(dataClasses[i]);
            dataTotal += dataFees[i];
        }
        emit FeesSplit(id, protocolFee, computeFee, dataTotal);
    }

    /// @notice Sends the accrued protocol share to the vault (anyone may call).
    function sweep() external returns (uint256 amount) {
        amount = protocolAccrued;
        protocolAccrued = 0;
        (bool ok,) = vault.call{value: amount}("");
        if (!ok) revert PaymentFailed(vault, amount);
    }
}
