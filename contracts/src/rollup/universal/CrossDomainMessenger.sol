// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What both cross-domain messengers share (OP messengers.md): `sendMessage` wraps a call in a
///         `relayMessage` call to the messenger on the other layer, sent through the layer's own channel (deposit or
///         withdrawal); `relayMessage` executes it with `xDomainMessageSender()` set to the original sender. A message
///         whose call fails (or gets too little gas) is recorded in `failedMessages` with its value kept here, and
///         anyone may replay it later; a message succeeds at most once.
abstract contract CrossDomainMessenger {
    /// @notice The version in the top two bytes of message nonces (version 0, OP's legacy format, is not relayed).
    uint16 public constant MESSAGE_VERSION = 1;

    /// @notice Gas the relay itself needs on top of the message's minimum (OP's constants, so OP tools agree).
    uint64 public constant RELAY_CONSTANT_OVERHEAD = 200_000;
    uint64 public constant MIN_GAS_DYNAMIC_OVERHEAD_NUMERATOR = 64;
    uint64 public constant MIN_GAS_DYNAMIC_OVERHEAD_DENOMINATOR = 63;
    uint64 public constant MIN_GAS_CALLDATA_OVERHEAD = 16;
    uint64 public constant RELAY_CALL_OVERHEAD = 40_000;
    /// @notice Gas kept back from the call so the relay can always record the outcome.
    uint64 public constant RELAY_RESERVED_GAS = 40_000;
    uint64 public constant RELAY_GAS_CHECK_BUFFER = 5_000;

    /// @notice xDomainMessageSender's value outside a relay.
    address internal constant DEFAULT_XDOMAIN_SENDER = 0x000000000000000000000000000000000000dEaD;

    /// @notice A failed relay sent from this origin reverts, so gas estimation finds the gas a message needs.
    address internal constant ESTIMATION_ADDRESS = address(1);

    /// @notice The messenger on the other layer.
    address public immutable OTHER_MESSENGER;

    mapping(bytes32 => bool) public successfulMessages;
    mapping(bytes32 => bool) public failedMessages;
    address internal xDomainMsgSender = DEFAULT_XDOMAIN_SENDER;
    uint240 internal msgNonce;

    event SentMessage(address indexed target, address sender, bytes message, uint256 messageNonce, uint256 gasLimit);
    event SentMessageExtension1(address indexed sender, uint256 value);
    event RelayedMessage(bytes32 indexed msgHash);
    event FailedRelayedMessage(bytes32 indexed msgHash);

    error UnsupportedVersion(uint16 version);
    error ValueMismatch();
    error NotAFailedMessage();
    error AlreadyRelayed();
    error UnsafeTarget();
    error SenderNotSet();
    error RelayFailed();

    constructor(address otherMessenger_) {
        OTHER_MESSENGER = otherMessenger_;
    }

    /// @notice Sends `_message` to `_target` on the other layer with msg.value, to be called with at least
    ///         `_minGasLimit` gas there.
    function sendMessage(address _target, bytes calldata _message, uint32 _minGasLimit) external payable {
        uint256 nonce = messageNonce();
        _sendMessage(
            baseGas(_message, _minGasLimit),
            abi.encodeCall(this.relayMessage, (nonce, msg.sender, _target, msg.value, _minGasLimit, _message))
        );
        emit SentMessage(_target, msg.sender, _message, nonce, _minGasLimit);
        emit SentMessageExtension1(msg.sender, msg.value);
        unchecked {
            ++msgNonce;
        }
    }

    /// @notice Executes a message from the other layer: first from the other messenger (through this layer's
    ///         channel, value attached), or again by anyone if it failed before (no value: it is already held).
    function relayMessage(
        uint256 _nonce,
        address _sender,
        address _target,
        uint256 _value,
        uint256 _minGasLimit,
        bytes calldata _message
    ) external payable {
        uint16 version = uint16(_nonce >> 240);
        if (version != MESSAGE_VERSION) revert UnsupportedVersion(version);
        bytes32 hash = keccak256(
            abi.encodeWithSignature(
                "relayMessage(uint256,address,address,uint256,uint256,bytes)", _nonce, _sender, _target, _value, _minGasLimit, _message
            )
        );

        if (_isOtherMessenger()) {
            if (msg.value != _value) revert ValueMismatch();
        } else {
            if (msg.value != 0 || !failedMessages[hash]) revert NotAFailedMessage();
        }
        if (_isUnsafeTarget(_target)) revert UnsafeTarget();
        if (successfulMessages[hash]) revert AlreadyRelayed();

        // Too little gas for the message's minimum, or a relay inside a relay: keep the message for replay.
        if (!_hasMinGas(_minGasLimit, RELAY_RESERVED_GAS + RELAY_GAS_CHECK_BUFFER) || _relaying()) {
            _failed(hash);
            return;
        }

        xDomainMsgSender = _sender;
        bool success = _call(_target, gasleft() - RELAY_RESERVED_GAS, _value, _message);
        xDomainMsgSender = DEFAULT_XDOMAIN_SENDER;

        if (success) {
            successfulMessages[hash] = true;
            emit RelayedMessage(hash);
        } else {
            _failed(hash);
        }
    }

    /// @notice The sender on the other layer of the message being relayed (reverts outside a relay).
    function xDomainMessageSender() external view returns (address) {
        if (!_relaying()) revert SenderNotSet();
        return xDomainMsgSender;
    }

    /// @notice The nonce of the next message sent, version 1 in the top two bytes.
    function messageNonce() public view returns (uint256) {
        return (uint256(MESSAGE_VERSION) << 240) | uint256(msgNonce);
    }

    /// @notice The gas to ask the other layer for so that the target gets at least `_minGasLimit`.
    function baseGas(bytes calldata _message, uint32 _minGasLimit) public pure returns (uint64) {
        return RELAY_CONSTANT_OVERHEAD + (uint64(_message.length) * MIN_GAS_CALLDATA_OVERHEAD)
            + ((uint64(_minGasLimit) * MIN_GAS_DYNAMIC_OVERHEAD_NUMERATOR) / MIN_GAS_DYNAMIC_OVERHEAD_DENOMINATOR) + RELAY_CALL_OVERHEAD
            + RELAY_RESERVED_GAS + RELAY_GAS_CHECK_BUFFER;
    }

    /// @notice The messenger on the other layer (OP's getter names).
    function otherMessenger() external view returns (address) {
        return OTHER_MESSENGER;
    }

    /// @dev Whether a relay is executing. A predeploy starts with zero storage, which also means "not relaying".
    function _relaying() private view returns (bool) {
        return xDomainMsgSender != DEFAULT_XDOMAIN_SENDER && xDomainMsgSender != address(0);
    }

    function _failed(bytes32 hash) private {
        failedMessages[hash] = true;
        emit FailedRelayedMessage(hash);
        if (tx.origin == ESTIMATION_ADDRESS) revert RelayFailed();
    }

    function _call(address target, uint256 callGas, uint256 value, bytes calldata message) private returns (bool success) {
        bytes memory data = message;
        assembly {
            success := call(callGas, target, value, add(data, 32), mload(data), 0, 0)
        }
    }

    /// @dev Whether a call made now with all but `reserved` of the remaining gas gives the callee `minGas`
    ///      (EIP-150 passes on at most 63/64 of it).
    function _hasMinGas(uint256 minGas, uint256 reserved) private view returns (bool) {
        return gasleft() * 63 >= (minGas * 64) + ((reserved + RELAY_CALL_OVERHEAD) * 63);
    }

    /// @dev Sends `data` (a relayMessage call) to the other messenger with msg.value and `gasLimit` gas.
    function _sendMessage(uint64 gasLimit, bytes memory data) internal virtual;

    /// @dev Whether this call comes from the other messenger through this layer's channel.
    function _isOtherMessenger() internal view virtual returns (bool);

    /// @dev Targets a message must not call (this messenger and the channel it relays from).
    function _isUnsafeTarget(address target) internal view virtual returns (bool);
}
