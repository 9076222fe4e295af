// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DataAnchoredToken} from "./DataAnchoredToken.sol";

/// @title Dataset validation with stake, fees and slashing
/// @notice A dataset class's content hash is keccak256 of its bytes. Whoever wants it checked calls
///         `requestValidation` with a fee for `required` validators; each request gets a nonce. A validator — approved
///         for the class by its manager (the iDAO) and staked at least `minStake` — attests with the possession proof
///         keccak256(data ‖ nonce), which only someone holding the data can compute. During `challengeWindow` anyone
///         who has the data may `challenge` an attestation by giving the data: if keccak256(data) is the class's hash
///         and the proof differs, the validator loses `minStake` (or all it has, if less) to the challenger and its fee
///         share goes back to the requester. After the window an unchallenged validator `claimFee`s fee / required
///         (the division remainder is returned with the request; `close` returns the shares of slots nobody filled
///         and stops further attestations). Stake stays locked until the
///         windows of the validator's attestations have closed. Data larger than a transaction cannot be challenged
///         this way (it would need chunked proofs; not provided).
contract DataValidation {
    struct Request {
        uint256 classId;
        address requester;
        bytes32 contentHash;
        bytes32 nonce;
        uint256 feeEach; // fee / required; the remainder is returned at once
        uint8 required;
        uint8 attested;
    }

    struct Attestation {
        uint256 requestId;
        address validator;
        bytes32 proof;
        uint64 attestedAt;
        bool slashed;
        bool paid;
    }

    DataAnchoredToken public immutable dat;
    uint256 public immutable minStake;
    uint64 public immutable challengeWindow;

    uint256 public requestCount;
    uint256 public attestationCount;
    mapping(uint256 => Request) public requests;
    mapping(uint256 => Attestation) public attestations;
    mapping(uint256 => mapping(address => bool)) public hasAttested;
    mapping(address => uint256) public stakeOf;
    mapping(address => uint64) public lockedUntil;

    error NotADataset(uint256 classId);
    error InvalidRequest(string reason);
    error NotValidator(uint256 classId, address validator);
    error StakeTooLow(uint256 stake, uint256 minStake);
    error AlreadyAttested(uint256 requestId, address validator);
    error RequestFull(uint256 requestId);
    error StakeLocked(uint64 until);
    error InsufficientStake(uint256 stake, uint256 amount);
    error WindowClosed(uint256 attestationId);
    error WindowOpen(uint256 attestationId);
    error WrongData(bytes32 dataHash, bytes32 contentHash);
    error ProofCorrect(uint256 attestationId);
    error NotPayable(uint256 attestationId);
    error PaymentFailed(address to, uint256 amount);

    event Staked(address indexed validator, uint256 amount, uint256 stake);
    event Unstaked(address indexed validator, uint256 amount, uint256 stake);
    event ValidationRequested(uint256 indexed requestId, uint256 indexed classId, address indexed requester, bytes32 nonce, uint256 fee, uint8 required);
    event Attested(uint256 indexed attestationId, uint256 indexed requestId, address indexed validator, bytes32 proof);
    event Slashed(uint256 indexed attestationId, address indexed validator, address indexed challenger, uint256 amount);
    event FeePaid(uint256 indexed attestationId, address indexed validator, uint256 amount);

    constructor(DataAnchoredToken dat_, uint256 minStake_, uint64 challengeWindow_) {
        dat = dat_;
        minStake = minStake_;
        challengeWindow = challengeWindow_;
    }

    /// @notice The proof a validator holding `data` submits for a request with this nonce.
    function possessionProof(bytes calldata data, bytes32 nonce) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(data, nonce));
    }

    function stake() external payable {
        stakeOf[msg.sender] += msg.value;
        emit Staked(msg.sender, msg.value, stakeOf[msg.sender]);
    }

    function unstake(uint256 amount) external {
        if (block.timestamp < lockedUntil[msg.sender]) revert StakeLocked(lockedUntil[msg.sender]);
        if (stakeOf[msg.sender] < amount) revert InsufficientStake(stakeOf[msg.sender], amount);
        stakeOf[msg.sender] -= amount;
        emit Unstaked(msg.sender, amount, stakeOf[msg.sender]);
        _pay(msg.sender, amount);
    }

    function requestValidation(uint256 classId, uint8 required) external payable returns (uint256 requestId) {
        (DataAnchoredToken.Kind kind,, bytes32 contentHash,,,) = dat.classInfo(classId);
        if (kind != DataAnchoredToken.Kind.Dataset) revert NotADataset(classId);
        if (required == 0) revert InvalidRequest("at least one validator is required");
        requestId = ++requestCount;
        bytes32 nonce = keccak256(abi.encode(blockhash(block.number - 1), address(this), requestId, classId));
        requests[requestId] = Request(classId, msg.sender, contentHash, nonce, msg.value / required, required, 0);
        emit ValidationRequested(requestId, classId, msg.sender, nonce, msg.value, required);
        _pay(msg.sender, msg.value % required);
    }

    function attest(uint256 requestId, bytes32 proof) external returns (uint256 attestationId) {
        Request storage r = requests[requestId];
        if (r.requester == address(0)) revert InvalidRequest("unknown request");
        if (!dat.isValidator(r.classId, msg.sender)) revert NotValidator(r.classId, msg.sender);
        if (stakeOf[msg.sender] < minStake) revert StakeTooLow(stakeOf[msg.sender], minStake);
        if (hasAttested[requestId][msg.sender]) revert AlreadyAttested(requestId, msg.sender);
        if (r.attested >= r.required) revert RequestFull(requestId);
        r.attested++;
        hasAttested[requestId][msg.sender] = true;
        attestationId = ++attestationCount;
        attestations[attestationId] = Attestation(requestId, msg.sender, proof, uint64(block.timestamp), false, false);
        uint64 until = uint64(block.timestamp) + challengeWindow;
        if (until > lockedUntil[msg.sender]) lockedUntil[msg.sender] = until;
        emit Attested(attestationId, requestId, msg.sender, proof);
    }

    /// @notice Proves an attestation false with the dataset's bytes.
    function challenge(uint256 attestationId, bytes calldata data) external {
        Attestation storage a = attestations[attestationId];
        if (a.validator == address(0) || a.slashed) revert NotPayable(attestationId);
        if (block.timestamp >= a.attestedAt + challengeWindow) revert WindowClosed(attestationId);
        Request storage r = requests[a.requestId];
        bytes32 dataHash = keccak256(data);
        if (dataHash != r.contentHash) revert WrongData(dataHash, r.contentHash);
        if (possessionProof(data, r.nonce) == a.proof) revert ProofCorrect(attestationId);
        a.slashed = true;
        uint256 amount = stakeOf[a.validator] < minStake ? stakeOf[a.validator] : minStake;
        stakeOf[a.validator] -= amount;
        emit Slashed(attestationId, a.validator, msg.sender, amount);
        _pay(msg.sender, amount);
        _pay(r.requester, r.feeEach);
    }

    function claimFee(uint256 attestationId) external {
        Attestation storage a = attestations[attestationId];
        if (a.validator == address(0) || a.slashed || a.paid) revert NotPayable(attestationId);
        if (block.timestamp < a.attestedAt + challengeWindow) revert WindowOpen(attestationId);
        a.paid = true;
        Request storage r = requests[a.requestId];
        uint256 amount = r.feeEach;
        emit FeePaid(attestationId, a.validator, amount);
        _pay(a.validator, amount);
    }

    /// @notice The requester stops a request: the fee shares of unfilled slots come back.
    function close(uint256 requestId) external {
        Request storage r = requests[requestId];
        if (r.requester != msg.sender) revert InvalidRequest("only the requester closes a request");
        uint256 refund = uint256(r.required - r.attested) * r.feeEach;
        r.required = r.attested;
        _pay(msg.sender, refund);
    }

    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert PaymentFailed(to, amount);
    }
}
