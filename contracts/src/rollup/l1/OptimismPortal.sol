// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import { AddressAliasing } from "../lib/AddressAliasing.sol";
import { MerkleTrie } from "../lib/MerkleTrie.sol";
import { Withdrawals } from "../lib/Withdrawals.sol";
import { IOutputFinality } from "./IOutputFinality.sol";

/// @notice The rollup's entry and exit on L1. Deposits (OP deposits.md "Deposit Contract"): every deposit emits
///         TransactionDeposited with version-0 opaque data, which the rollup node turns into an L2 deposit
///         transaction (type 0x7E) that mints msg.value to the sender and cannot fail to be included; no resource
///         metering market, a per-deposit gas cap instead. Withdrawals (OP withdrawals.md, the pre-fault-proof ABI):
///         proven against an output root with a storage proof of the L2ToL1MessagePasser's `sentMessages`, executed
///         once both the proof and the output are older than the finalization period; "is this output final?" is
///         asked through IOutputFinality only.
contract OptimismPortal {
    /// @notice What a proof recorded: the output root it was checked against, when, and the output's index.
    struct ProvenWithdrawal {
        bytes32 outputRoot;
        uint128 timestamp;
        uint128 l2OutputIndex;
    }

    /// @notice Version of the TransactionDeposited opaque data.
    uint256 public constant DEPOSIT_VERSION = 0;

    /// @notice Gas limit of deposits made by sending ETH to the portal.
    uint64 public constant RECEIVE_DEFAULT_GAS_LIMIT = 100_000;

    /// @notice Most gas one deposit may ask for (OP's default resource limit per L1 block).
    uint64 public constant MAX_DEPOSIT_GAS_LIMIT = 20_000_000;

    /// @notice Largest calldata of one deposit.
    uint256 public constant MAX_DATA_SIZE = 120_000;

    error SmallGasLimit(uint64 gasLimit, uint64 minimum);
    error LargeGasLimit(uint64 gasLimit, uint64 maximum);
    error LargeCalldata(uint256 size);
    /// @notice l2Sender() outside a withdrawal's execution.
    address internal constant DEFAULT_L2_SENDER = 0x000000000000000000000000000000000000dEaD;

    /// @notice A failed withdrawal call sent from this origin reverts, so gas estimation finds the gas it needs.
    address internal constant ESTIMATION_ADDRESS = address(1);

    /// @notice Gas the CALL of a withdrawal may cost on top of what the target gets (cold account, value, new account).
    uint256 internal constant CALL_OVERHEAD_GAS = 40_000;

    /// @notice Where the portal learns whether an output is final.
    IOutputFinality public immutable l2Oracle;

    /// @notice The L2 sender of the withdrawal being executed (0x…dEaD otherwise).
    address public l2Sender = DEFAULT_L2_SENDER;

    mapping(bytes32 withdrawalHash => ProvenWithdrawal) public provenWithdrawals;
    mapping(bytes32 withdrawalHash => bool) public finalizedWithdrawals;

    error BadTarget();
    error InvalidOutputRootProof();
    error InvalidWithdrawalProof();
    error AlreadyProven();
    error NotProven();
    error AlreadyFinalized();
    error ProofNotMature(uint256 provenAt, uint256 finalizationPeriod);
    error OutputRootChanged();
    error OutputNotFinalized(uint256 l2OutputIndex);
    error WithdrawalInProgress();
    error InsufficientGas(uint256 gasLimit);
    error WithdrawalCallFailed();

    event TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData);
    event WithdrawalProven(bytes32 indexed withdrawalHash, address indexed from, address indexed to);
    event WithdrawalFinalized(bytes32 indexed withdrawalHash, bool success);

    constructor(IOutputFinality l2Oracle_) {
        l2Oracle = l2Oracle_;
    }

    /// @notice A 2.x version, so OP tools (viem's getWithdrawalStatus among them) use the pre-fault-proof flow.
    function version() external pure returns (string memory) {
        return "2.8.0";
    }

    receive() external payable {
        depositTransaction(msg.sender, msg.value, RECEIVE_DEFAULT_GAS_LIMIT, false, bytes(""));
    }

    /// @notice The least gas a deposit of `byteCount` calldata bytes may ask for: it pays for its own L2 intrinsic gas.
    function minimumGasLimit(uint64 byteCount) public pure returns (uint64) {
        return byteCount * 16 + 21_000;
    }

    /// @notice Deposits a transaction to L2: `value` of the attached ETH is sent to `to` (all of msg.value is minted
    ///         to the sender first). A contract caller is aliased so that it cannot pose as an L2 contract.
    function depositTransaction(address to, uint256 value, uint64 gasLimit, bool isCreation, bytes memory data) public payable {
        if (isCreation && to != address(0)) revert BadTarget();
        uint64 minimum = minimumGasLimit(uint64(data.length));
        if (gasLimit < minimum) revert SmallGasLimit(gasLimit, minimum);
        if (gasLimit > MAX_DEPOSIT_GAS_LIMIT) revert LargeGasLimit(gasLimit, MAX_DEPOSIT_GAS_LIMIT);
        if (data.length > MAX_DATA_SIZE) revert LargeCalldata(data.length);

        address from = msg.sender;
        if (msg.sender != tx.origin) {
            from = AddressAliasing.applyL1ToL2Alias(msg.sender);
        }

        bytes memory opaqueData = abi.encodePacked(msg.value, value, gasLimit, isCreation, data);
        emit TransactionDeposited(from, to, DEPOSIT_VERSION, opaqueData);
    }

    /// @notice Records that withdrawal `_tx` was initiated on L2, as of the output at `_l2OutputIndex`: the output
    ///         root must be that of `_outputRootProof`, and `_withdrawalProof` (eth_getProof's storage proof of the
    ///         message passer) must show `sentMessages[hash] = true` under its storage root. A withdrawal can be
    ///         proven again only when the output it was proven against has been removed or replaced.
    function proveWithdrawalTransaction(
        Withdrawals.WithdrawalTransaction memory _tx,
        uint256 _l2OutputIndex,
        Withdrawals.OutputRootProof calldata _outputRootProof,
        bytes[] calldata _withdrawalProof
    ) external {
        if (_tx.target == address(this)) revert BadTarget();
        bytes32 outputRoot = l2Oracle.getL2Output(_l2OutputIndex).outputRoot;
        if (_outputRootProof.version != Withdrawals.OUTPUT_VERSION_V0 || Withdrawals.outputRoot(_outputRootProof) != outputRoot) {
            revert InvalidOutputRootProof();
        }

        bytes32 withdrawalHash = Withdrawals.hash(_tx);
        ProvenWithdrawal memory proven = provenWithdrawals[withdrawalHash];
        if (proven.timestamp != 0 && _outputStillThere(proven)) revert AlreadyProven();

        bytes memory storageKey = abi.encode(Withdrawals.sentMessageSlot(withdrawalHash));
        if (!MerkleTrie.verifySecureInclusion(storageKey, hex"01", _withdrawalProof, _outputRootProof.messagePasserStorageRoot)) {
            revert InvalidWithdrawalProof();
        }

        provenWithdrawals[withdrawalHash] =
            ProvenWithdrawal({ outputRoot: outputRoot, timestamp: uint128(block.timestamp), l2OutputIndex: uint128(_l2OutputIndex) });
        emit WithdrawalProven(withdrawalHash, _tx.sender, _tx.target);
    }

    /// @notice Executes a proven withdrawal: calls `_tx.target` with its value, data and at least its gas limit,
    ///         with l2Sender() = `_tx.sender` during the call. Once only, after the finalization period has passed
    ///         since the proof, while the output it was proven against is still there and final. A failed call still
    ///         finalizes (the withdrawal's ETH stays in the portal); the messenger's replay covers messages.
    function finalizeWithdrawalTransaction(Withdrawals.WithdrawalTransaction memory _tx) external {
        if (l2Sender != DEFAULT_L2_SENDER) revert WithdrawalInProgress();
        bytes32 withdrawalHash = Withdrawals.hash(_tx);
        ProvenWithdrawal memory proven = provenWithdrawals[withdrawalHash];
        if (proven.timestamp == 0) revert NotProven();
        if (finalizedWithdrawals[withdrawalHash]) revert AlreadyFinalized();
        uint256 period = l2Oracle.FINALIZATION_PERIOD_SECONDS();
        if (block.timestamp <= proven.timestamp + period) revert ProofNotMature(proven.timestamp, period);
        if (!_outputStillThere(proven)) revert OutputRootChanged();
        if (!l2Oracle.isOutputFinalized(proven.l2OutputIndex)) revert OutputNotFinalized(proven.l2OutputIndex);

        finalizedWithdrawals[withdrawalHash] = true;
        l2Sender = _tx.sender;
        bool success = _callWithMinGas(_tx.target, _tx.gasLimit, _tx.value, _tx.data);
        l2Sender = DEFAULT_L2_SENDER;
        emit WithdrawalFinalized(withdrawalHash, success);
        if (!success && tx.origin == ESTIMATION_ADDRESS) revert WithdrawalCallFailed();
    }

    /// @notice Whether the output at `_l2OutputIndex` is final.
    function isOutputFinalized(uint256 _l2OutputIndex) external view returns (bool) {
        return l2Oracle.isOutputFinalized(_l2OutputIndex);
    }

    /// @dev Whether the output a proof was checked against is still at its index (not removed by the challenger).
    function _outputStillThere(ProvenWithdrawal memory proven) internal view returns (bool) {
        try l2Oracle.getL2Output(proven.l2OutputIndex) returns (Withdrawals.OutputProposal memory output) {
            return output.outputRoot == proven.outputRoot;
        } catch {
            return false;
        }
    }

    /// @dev Calls with all remaining gas, but first makes sure the target will get at least `minGas` of it (EIP-150
    ///      passes on at most 63/64), so a relayer cannot make a withdrawal fail by giving too little gas.
    function _callWithMinGas(address target, uint256 minGas, uint256 value, bytes memory data) internal returns (bool success) {
        if (gasleft() * 63 < (minGas * 64) + (CALL_OVERHEAD_GAS * 63)) revert InsufficientGas(minGas);
        assembly {
            success := call(gas(), target, value, add(data, 32), mload(data), 0, 0)
        }
    }
}
