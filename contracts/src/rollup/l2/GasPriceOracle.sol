// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { L1Block } from "./L1Block.sol";
import { Predeploys } from "../lib/Predeploys.sol";

/// @notice The GasPriceOracle predeploy (0x4200…000F): the L1 data fee of a transaction as the node charges it, for
///         an unsigned RLP transaction (68 bytes are added for the signature it lacks). Ecotone:
///         calldataGas·(16·baseFeeScalar·l1BaseFee + blobBaseFeeScalar·blobBaseFee)/16e6; Fjord: FastLZ-based
///         size estimate max(100e6, −42,585,600 + 836,500·fastLzSize)·(same weighted price)/1e12.
contract GasPriceOracle {
    uint256 public constant DECIMALS = 6;
    int256 public constant COST_INTERCEPT = -42_585_600;
    uint256 public constant COST_FASTLZ_COEF = 836_500;
    uint256 public constant MIN_TRANSACTION_SIZE = 100;

    error NotDepositor();
    error AlreadyFjord();

    bool public isFjord;

    /// @notice Switches to the Fjord fee (called once by the depositor at the upgrade).
    function setFjord() external {
        if (msg.sender != Predeploys.DEPOSITOR_ACCOUNT) revert NotDepositor();
        if (isFjord) revert AlreadyFjord();
        isFjord = true;
    }

    function isEcotone() external pure returns (bool) {
        return true;
    }

    function decimals() external pure returns (uint256) {
        return DECIMALS;
    }

    function gasPrice() external view returns (uint256) {
        return block.basefee;
    }

    function baseFee() external view returns (uint256) {
        return block.basefee;
    }

    function l1BaseFee() public view returns (uint256) {
        return L1Block(Predeploys.L1_BLOCK).basefee();
    }

    function blobBaseFee() public view returns (uint256) {
        return L1Block(Predeploys.L1_BLOCK).blobBaseFee();
    }

    function baseFeeScalar() public view returns (uint32) {
        return L1Block(Predeploys.L1_BLOCK).baseFeeScalar();
    }

    function blobBaseFeeScalar() public view returns (uint32) {
        return L1Block(Predeploys.L1_BLOCK).blobBaseFeeScalar();
    }

    /// @notice The L1 fee of an unsigned, RLP-encoded transaction.
    function getL1Fee(bytes memory data) external view returns (uint256) {
        if (isFjord) {
            return _fjordL1Cost(flzCompressLen(data) + 68);
        }
        return _calldataGas(data) * _weightedGasPrice() / (16 * 10 ** DECIMALS);
    }

    /// @notice The L1 gas figure receipts report for an unsigned transaction.
    function getL1GasUsed(bytes memory data) external view returns (uint256) {
        if (isFjord) {
            return _fjordLinearRegression(flzCompressLen(data) + 68) * 16 / 1e6;
        }
        return _calldataGas(data);
    }

    /// @notice A Fjord upper bound on the L1 fee of an unsigned transaction of the given size.
    function getL1FeeUpperBound(uint256 unsignedTxSize) external view returns (uint256) {
        uint256 txSize = unsignedTxSize + 68;
        return _fjordL1Cost(txSize + txSize / 255 + 16);
    }

    function _weightedGasPrice() internal view returns (uint256) {
        return uint256(baseFeeScalar()) * 16 * l1BaseFee() + uint256(blobBaseFeeScalar()) * blobBaseFee();
    }

    // Calldata gas of the data plus 68 signature bytes at 16 gas each.
    function _calldataGas(bytes memory data) internal pure returns (uint256 total) {
        for (uint256 i = 0; i < data.length; i++) {
            total += data[i] == 0 ? 4 : 16;
        }
        total += 68 * 16;
    }

    function _fjordL1Cost(uint256 fastLzSize) internal view returns (uint256) {
        return _fjordLinearRegression(fastLzSize) * _weightedGasPrice() / (10 ** (DECIMALS * 2));
    }

    function _fjordLinearRegression(uint256 fastLzSize) internal pure returns (uint256) {
        int256 estimated = COST_INTERCEPT + int256(COST_FASTLZ_COEF * fastLzSize);
        int256 minimum = int256(MIN_TRANSACTION_SIZE) * 1e6;
        return uint256(estimated < minimum ? minimum : estimated);
    }

    /// @notice Length of the FastLZ (level 1) compression of `data`, as op-geth's FlzCompressLen computes it.
    function flzCompressLen(bytes memory data) public pure returns (uint256 n) {
        uint256 len = data.length;
        uint256[] memory table = new uint256[](8192);
        uint256 limit = len < 13 ? 0 : len - 13;
        uint256 anchor = 0;
        uint256 ip = 2;
        while (ip < limit) {
            uint256 ref;
            while (true) {
                uint256 seq = _u24(data, ip);
                uint256 slot = _hash(seq);
                ref = table[slot];
                table[slot] = ip;
                uint256 distance = ip - ref;
                if (ip >= limit) break;
                ip++;
                if (distance <= 0x1fff && seq == _u24(data, ref)) break;
            }
            if (ip >= limit) break;
            ip--;
            if (ip > anchor) n += _literals(ip - anchor);
            uint256 l = _matchLength(data, ref + 3, ip + 3, limit + 9);
            uint256 m = l - 1;
            n += 3 * (m / 262) + (m % 262 >= 6 ? 3 : 2);
            ip += l;
            table[_hash(_u24(data, ip))] = ip;
            ip++;
            table[_hash(_u24(data, ip))] = ip;
            ip++;
            anchor = ip;
        }
        n += _literals(len - anchor);
    }

    function _u24(bytes memory data, uint256 i) private pure returns (uint256) {
        return uint256(uint8(data[i])) | (uint256(uint8(data[i + 1])) << 8) | (uint256(uint8(data[i + 2])) << 16);
    }

    function _hash(uint256 v) private pure returns (uint256) {
        return (((2654435769 * v) & 0xffffffff) >> 19) & 0x1fff;
    }

    function _literals(uint256 r) private pure returns (uint256) {
        return 0x21 * (r / 0x20) + (r % 0x20 == 0 ? 0 : r % 0x20 + 1);
    }

    // Counts up to and including the first mismatch, capped at end − q (the reference's loop).
    function _matchLength(bytes memory data, uint256 p, uint256 q, uint256 end) private pure returns (uint256 l) {
        uint256 span = end - q;
        while (l < span) {
            bool equal = data[p + l] == data[q + l];
            l++;
            if (!equal) break;
        }
    }
}
