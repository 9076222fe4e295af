// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A strict reader of Ethereum's RLP (Yellow Paper appendix B) over memory, for the trie nodes of storage
///         proofs. Only canonical encodings are accepted (no leading zeros in lengths, no long form for short
///         payloads, no single byte below 0x80 wrapped in a string), and every item must lie inside its parent, so a
///         forged proof cannot make two different byte strings read as the same node.
library RLPReader {
    /// @notice One item: where its encoding starts in memory and how long the whole encoding is.
    struct Item {
        uint256 ptr;
        uint256 length;
    }

    error RLPInvalid(string reason);

    /// @notice The item encoded by all of `data` (trailing bytes are refused).
    function toItem(bytes memory data) internal pure returns (Item memory item) {
        uint256 ptr;
        assembly {
            ptr := add(data, 32)
        }
        item = Item(ptr, data.length);
        (, uint256 payloadLength, uint256 headerLength) = _header(item);
        if (headerLength + payloadLength != data.length) revert RLPInvalid("trailing bytes");
    }

    function isList(Item memory item) internal pure returns (bool) {
        (bool list,,) = _header(item);
        return list;
    }

    /// @notice The items of a list.
    function readList(Item memory item) internal pure returns (Item[] memory items) {
        (bool list, uint256 payloadLength, uint256 headerLength) = _header(item);
        if (!list) revert RLPInvalid("not a list");
        uint256 ptr = item.ptr + headerLength;
        uint256 end = ptr + payloadLength;
        uint256 count = 0;
        for (uint256 p = ptr; p < end; count++) {
            p += _itemLength(p, end - p);
        }
        items = new Item[](count);
        for (uint256 i = 0; i < count; i++) {
            uint256 length = _itemLength(ptr, end - ptr);
            items[i] = Item(ptr, length);
            ptr += length;
        }
    }

    /// @notice The payload of a string item.
    function readBytes(Item memory item) internal pure returns (bytes memory) {
        (bool list, uint256 payloadLength, uint256 headerLength) = _header(item);
        if (list) revert RLPInvalid("not a string");
        return _copy(item.ptr + headerLength, payloadLength);
    }

    /// @notice The whole encoding of an item, header included.
    function readRaw(Item memory item) internal pure returns (bytes memory) {
        return _copy(item.ptr, item.length);
    }

    /// @dev The full length of the item starting at `ptr`, which must fit in `available` bytes.
    function _itemLength(uint256 ptr, uint256 available) private pure returns (uint256 length) {
        (, uint256 payloadLength, uint256 headerLength) = _header(Item(ptr, available));
        return headerLength + payloadLength;
    }

    /// @dev Decodes the header of the item at `item.ptr`, checking that header and payload fit in `item.length`.
    function _header(Item memory item) private pure returns (bool list, uint256 payloadLength, uint256 headerLength) {
        if (item.length == 0) revert RLPInvalid("empty input");
        uint256 ptr = item.ptr;
        uint256 prefix;
        assembly {
            prefix := byte(0, mload(ptr))
        }
        if (prefix < 0x80) {
            return (false, 1, 0); // a single byte below 0x80 is its own encoding: no header
        }
        if (prefix < 0xb8) {
            payloadLength = prefix - 0x80;
            headerLength = 1;
            if (payloadLength == 1) {
                if (item.length < 2) revert RLPInvalid("truncated");
                uint256 b;
                assembly {
                    b := byte(0, mload(add(ptr, 1)))
                }
                if (b < 0x80) revert RLPInvalid("non-canonical single byte");
            }
        } else if (prefix < 0xc0) {
            (payloadLength, headerLength) = _longLength(ptr, prefix - 0xb7, item.length);
        } else if (prefix < 0xf8) {
            list = true;
            payloadLength = prefix - 0xc0;
            headerLength = 1;
        } else {
            list = true;
            (payloadLength, headerLength) = _longLength(ptr, prefix - 0xf7, item.length);
        }
        if (headerLength + payloadLength > item.length) revert RLPInvalid("truncated");
    }

    function _longLength(uint256 ptr, uint256 lengthOfLength, uint256 available)
        private
        pure
        returns (uint256 payloadLength, uint256 headerLength)
    {
        headerLength = 1 + lengthOfLength;
        if (available < headerLength) revert RLPInvalid("truncated");
        uint256 first;
        assembly {
            first := byte(0, mload(add(ptr, 1)))
            payloadLength := shr(sub(256, mul(8, lengthOfLength)), mload(add(ptr, 1)))
        }
        if (first == 0) revert RLPInvalid("leading zero in length");
        if (payloadLength < 56) revert RLPInvalid("long form for a short payload");
    }

    function _copy(uint256 src, uint256 length) private pure returns (bytes memory out) {
        out = new bytes(length);
        uint256 dest;
        assembly {
            dest := add(out, 32)
            mcopy(dest, src, length)
        }
    }
}
