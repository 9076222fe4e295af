// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { RLPReader } from "./RLPReader.sol";

/// @notice Reads a value out of a Merkle-Patricia trie (Yellow Paper appendix D) given the root and the proof that
///         eth_getProof returns: the nodes on the path from the root, each referenced by its parent through its
///         keccak256 (nodes shorter than 32 bytes are embedded in their parent instead and are not listed). Storage
///         and state tries are "secure": their keys are keccak256 of the slot or address (`getSecure`).
library MerkleTrie {
    using RLPReader for RLPReader.Item;

    error InvalidProof(string reason);

    /// @notice Whether `proof` shows that `key` (hashed first) maps to exactly `value` in the trie of `root`.
    ///         An absent key, a malformed or padded proof all give false or revert with InvalidProof.
    function verifySecureInclusion(bytes memory key, bytes memory value, bytes[] memory proof, bytes32 root)
        internal
        pure
        returns (bool)
    {
        return keccak256(get(abi.encodePacked(keccak256(key)), proof, root)) == keccak256(value);
    }

    /// @notice The value stored under `key` in the trie of `root`, as shown by `proof`.
    /// @dev Reverts with InvalidProof when a node does not hash to its reference, the path leaves the key, the key is
    ///      absent, the value is empty, or the proof holds nodes beyond the path.
    function get(bytes memory key, bytes[] memory proof, bytes32 root) internal pure returns (bytes memory) {
        bytes memory path = _nibbles(key);
        uint256 position = 0; // nibbles of the key consumed
        uint256 used = 0; // proof nodes consumed
        bytes32 expectedHash = root;
        RLPReader.Item memory node;
        bool embedded = false; // the next node is `node`, embedded in its parent, rather than the next proof entry

        while (true) {
            if (!embedded) {
                if (used == proof.length) revert InvalidProof("proof ends before the key");
                bytes memory encoded = proof[used++];
                if (keccak256(encoded) != expectedHash) revert InvalidProof("node does not match its hash");
                node = RLPReader.toItem(encoded);
            }
            RLPReader.Item[] memory items = node.readList();
            RLPReader.Item memory child;

            if (items.length == 17) {
                if (position == path.length) {
                    if (used != proof.length) revert InvalidProof("nodes after the value");
                    return _value(items[16]);
                }
                child = items[uint8(path[position])];
                position++;
            } else if (items.length == 2) {
                bytes memory compact = items[0].readBytes();
                if (compact.length == 0) revert InvalidProof("empty node path");
                uint8 flag = uint8(compact[0]) >> 4;
                if (flag > 3) revert InvalidProof("bad node path flag");
                bool odd = flag & 1 == 1;
                if (!odd && uint8(compact[0]) & 0x0f != 0) revert InvalidProof("bad node path padding");
                uint256 nibbleCount = compact.length * 2 - (odd ? 1 : 2);
                if (position + nibbleCount > path.length) revert InvalidProof("key not in trie");
                for (uint256 i = 0; i < nibbleCount; i++) {
                    uint256 n = i + (odd ? 1 : 2); // nibble index in the compact path
                    uint8 nibble = n % 2 == 0 ? uint8(compact[n / 2]) >> 4 : uint8(compact[n / 2]) & 0x0f;
                    if (nibble != uint8(path[position + i])) revert InvalidProof("key not in trie");
                }
                position += nibbleCount;
                if (flag >= 2) {
                    // leaf
                    if (position != path.length) revert InvalidProof("key not in trie");
                    if (used != proof.length) revert InvalidProof("nodes after the value");
                    return _value(items[1]);
                }
                if (nibbleCount == 0) revert InvalidProof("empty extension");
                child = items[1];
            } else {
                revert InvalidProof("node is neither branch, extension nor leaf");
            }

            // Follow the reference: a 32-byte hash of the next proof node, or a node embedded right here.
            if (child.isList()) {
                if (child.length >= 32) revert InvalidProof("embedded node of 32 bytes or more");
                node = child;
                embedded = true;
            } else {
                bytes memory childHash = child.readBytes();
                if (childHash.length == 0) revert InvalidProof("key not in trie");
                if (childHash.length != 32) revert InvalidProof("bad node reference");
                expectedHash = bytes32(childHash);
                embedded = false;
            }
        }
        revert InvalidProof("unreachable"); // the loop only exits by returning or reverting
    }

    function _value(RLPReader.Item memory item) private pure returns (bytes memory value) {
        value = item.readBytes();
        if (value.length == 0) revert InvalidProof("key not in trie");
    }

    function _nibbles(bytes memory key) private pure returns (bytes memory out) {
        out = new bytes(key.length * 2);
        for (uint256 i = 0; i < key.length; i++) {
            out[2 * i] = bytes1(uint8(key[i]) >> 4);
            out[2 * i + 1] = bytes1(uint8(key[i]) & 0x0f);
        }
    }
}
