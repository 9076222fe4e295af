// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { IERC20 } from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import { SafeERC20 } from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import { ERC165Checker } from "@openzeppelin/contracts/utils/introspection/ERC165Checker.sol";
import { CrossDomainMessenger } from "./CrossDomainMessenger.sol";
import { IOptimismMintableERC20 } from "./IOptimismMintableERC20.sol";

/// @notice What both standard bridges share (OP bridges.md): ETH and ERC20s sent to the bridge on the other layer
///         through the cross-domain messengers. A token native to this layer is escrowed here (`deposits`, per
///         token pair) and released when it comes back; an OptimismMintableERC20 representing the other layer's
///         token is burned when sent and minted when it arrives. A finalization that fails leaves its message in the
///         messenger's failedMessages, to be replayed.
abstract contract StandardBridge {
    using SafeERC20 for IERC20;

    /// @notice Gas the other layer's finalization gets when ETH is sent to the bridge directly.
    uint32 internal constant RECEIVE_DEFAULT_GAS_LIMIT = 200_000;

    CrossDomainMessenger public immutable MESSENGER;
    address public immutable OTHER_BRIDGE;

    /// @notice Escrowed amounts of this layer's tokens, by (local token, remote token).
    mapping(address localToken => mapping(address remoteToken => uint256)) public deposits;

    event ETHBridgeInitiated(address indexed from, address indexed to, uint256 amount, bytes extraData);
    event ETHBridgeFinalized(address indexed from, address indexed to, uint256 amount, bytes extraData);
    event ERC20BridgeInitiated(
        address indexed localToken, address indexed remoteToken, address indexed from, address to, uint256 amount, bytes extraData
    );
    event ERC20BridgeFinalized(
        address indexed localToken, address indexed remoteToken, address indexed from, address to, uint256 amount, bytes extraData
    );

    error OnlyEOA();
    error OnlyOtherBridge();
    error WrongAmount();
    error WrongRecipient();
    error WrongRemoteToken();
    error TransferFailed();

    constructor(CrossDomainMessenger messenger_, address otherBridge_) {
        MESSENGER = messenger_;
        OTHER_BRIDGE = otherBridge_;
    }

    modifier onlyEOA() {
        if (msg.sender.code.length != 0) revert OnlyEOA(); // a contract must name the recipient (…To)
        _;
    }

    modifier onlyOtherBridge() {
        if (msg.sender != address(MESSENGER) || MESSENGER.xDomainMessageSender() != OTHER_BRIDGE) revert OnlyOtherBridge();
        _;
    }

    receive() external payable onlyEOA {
        _initiateBridgeETH(msg.sender, msg.sender, msg.value, RECEIVE_DEFAULT_GAS_LIMIT, bytes(""));
    }

    function messenger() external view returns (address) {
        return address(MESSENGER);
    }

    function otherBridge() external view returns (address) {
        return OTHER_BRIDGE;
    }

    function bridgeETH(uint32 minGasLimit, bytes calldata extraData) public payable onlyEOA {
        _initiateBridgeETH(msg.sender, msg.sender, msg.value, minGasLimit, extraData);
    }

    function bridgeETHTo(address to, uint32 minGasLimit, bytes calldata extraData) public payable {
        _initiateBridgeETH(msg.sender, to, msg.value, minGasLimit, extraData);
    }

    function bridgeERC20(address localToken, address remoteToken, uint256 amount, uint32 minGasLimit, bytes calldata extraData)
        public
        onlyEOA
    {
        _initiateBridgeERC20(localToken, remoteToken, msg.sender, msg.sender, amount, minGasLimit, extraData);
    }

    function bridgeERC20To(
        address localToken,
        address remoteToken,
        address to,
        uint256 amount,
        uint32 minGasLimit,
        bytes calldata extraData
    ) public {
        _initiateBridgeERC20(localToken, remoteToken, msg.sender, to, amount, minGasLimit, extraData);
    }

    /// @notice Pays out ETH sent from the other layer (its value arrives with the message).
    function finalizeBridgeETH(address from, address to, uint256 amount, bytes calldata extraData) public payable onlyOtherBridge {
        if (msg.value != amount) revert WrongAmount();
        if (to == address(this) || to == address(MESSENGER)) revert WrongRecipient();
        _emitLegacyEvent(false, address(0), address(0), from, to, amount, extraData);
        emit ETHBridgeFinalized(from, to, amount, extraData);
        (bool ok,) = to.call{ value: amount }("");
        if (!ok) revert TransferFailed();
    }

    /// @notice Mints (a representation of the other layer's token) or releases from escrow (a token of this layer).
    function finalizeBridgeERC20(
        address localToken,
        address remoteToken,
        address from,
        address to,
        uint256 amount,
        bytes calldata extraData
    ) public onlyOtherBridge {
        if (_isOptimismMintable(localToken)) {
            if (IOptimismMintableERC20(localToken).remoteToken() != remoteToken) revert WrongRemoteToken();
            IOptimismMintableERC20(localToken).mint(to, amount);
        } else {
            deposits[localToken][remoteToken] -= amount; // reverts when more comes back than went out
            IERC20(localToken).safeTransfer(to, amount);
        }
        _emitLegacyEvent(false, localToken, remoteToken, from, to, amount, extraData);
        emit ERC20BridgeFinalized(localToken, remoteToken, from, to, amount, extraData);
    }

    function _initiateBridgeETH(address from, address to, uint256 amount, uint32 minGasLimit, bytes memory extraData) internal {
        if (msg.value != amount) revert WrongAmount();
        _emitLegacyEvent(true, address(0), address(0), from, to, amount, extraData);
        emit ETHBridgeInitiated(from, to, amount, extraData);
        MESSENGER.sendMessage{ value: amount }(
            OTHER_BRIDGE, abi.encodeCall(this.finalizeBridgeETH, (from, to, amount, extraData)), minGasLimit
        );
    }

    function _initiateBridgeERC20(
        address localToken,
        address remoteToken,
        address from,
        address to,
        uint256 amount,
        uint32 minGasLimit,
        bytes memory extraData
    ) internal {
        if (_isOptimismMintable(localToken)) {
            if (IOptimismMintableERC20(localToken).remoteToken() != remoteToken) revert WrongRemoteToken();
            IOptimismMintableERC20(localToken).burn(from, amount);
        } else {
            IERC20(localToken).safeTransferFrom(from, address(this), amount);
            deposits[localToken][remoteToken] += amount;
        }
        _emitLegacyEvent(true, localToken, remoteToken, from, to, amount, extraData);
        emit ERC20BridgeInitiated(localToken, remoteToken, from, to, amount, extraData);
        MESSENGER.sendMessage(
            OTHER_BRIDGE, abi.encodeCall(this.finalizeBridgeERC20, (remoteToken, localToken, from, to, amount, extraData)), minGasLimit
        );
    }

    function _isOptimismMintable(address token) internal view returns (bool) {
        return ERC165Checker.supportsInterface(token, type(IOptimismMintableERC20).interfaceId);
    }

    /// @dev Emits this layer's legacy event (OP's deposit/withdrawal names) for a transfer being initiated or
    ///      finalized; `localToken` is address(0) for ETH.
    function _emitLegacyEvent(
        bool initiated,
        address localToken,
        address remoteToken,
        address from,
        address to,
        uint256 amount,
        bytes memory extraData
    ) internal virtual;
}
