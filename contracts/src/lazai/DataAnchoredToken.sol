// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title Data Anchored Token (shape of the ERC-8028 draft)
/// @notice Semi-fungible AI assets. A *class* is one asset — a dataset, a model or an agent — with a Keccak-256 content
///         hash (for a model: the HQM file hash the inference precompile runs), a URI and its provenance: parent classes
///         with a share in basis points of what the class earns from use (a model trained on datasets). A *token* of a
///         class carries `value` (usage credit, movable between tokens of the class), `shareRatio` (its weight in the
///         class's revenue and votes) and an optional `expireAt`.
///
///         Revenue (pull-based, exact to the wei): `settleRevenue(classId)` adds `msg.value + carry` to the class; each
///         unit of share gains `floor(amount / totalShares)` wei and the remainder `amount % totalShares` is the class's
///         new `carry`, paid out with the next settlement. So at any time
///         Σ settled = Σ paid + Σ claimable + carry, with no wei lost or created; a class with no shares carries all.
///         A token's earnings belong to whoever held it when they were settled: a transfer first credits the pending
///         amount to the previous holder's `owed` balance.
///
///         Expiry: an expired token can no longer move value; anyone may `retire` it, which credits what it earned
///         until then to its holder and removes its share from the class (revenue and votes). Until it is retired it
///         keeps earning — settlement cannot iterate tokens, so the rule is "retire promptly".
///
///         Votes (for the class's iDAO): a holder's votes in a class are the shares of its unretired tokens, counted
///         for itself unless delegated with `delegate(classId, to)`; checkpoints by block number (ERC-6372).
contract DataAnchoredToken is ERC721 {
    using Checkpoints for Checkpoints.Trace208;

    enum Kind {
        None,
        Dataset,
        Model,
        Agent
    }

    struct Class {
        Kind kind;
        address manager; // mints, sets price/recorders/validators, upgrades content; typically the iDAO's timelock
        bytes32 contentHash;
        string uri;
        uint256 pricePerUse; // wei per use, read by the InferenceMarket
        uint256 totalShares;
        uint256 revenuePerShare; // cumulative wei per unit of share
        uint256 carry; // settled wei not yet divisible among the shares
        uint256 totalRevenue;
        uint256 usageCount;
        uint256[] parents; // provenance, strictly increasing class ids
        uint16[] parentBps;
    }

    struct Token {
        uint256 classId;
        uint256 value;
        uint256 shareRatio;
        uint64 expireAt; // 0 = never
        bool retired;
        uint256 revenuePerShareSeen;
    }

    uint16 public constant MAX_PARENTS = 16;
    uint16 public constant BPS = 10_000;

    uint256 public classCount;
    uint256 public tokenCount;
    mapping(uint256 => Class) private _classes;
    mapping(uint256 => Token) private _tokens;
    mapping(address => uint256) public owed;
    mapping(address => mapping(uint256 => mapping(address => bool))) private _classApprovals; // owner → class → operator
    mapping(uint256 => mapping(address => bool)) public isRecorder;
    mapping(uint256 => mapping(address => bool)) public isValidator;
    mapping(uint256 => mapping(address => uint256)) public usageOf; // class → user → uses
    mapping(uint256 => mapping(address => uint256)) public sharesOf; // class → holder → unretired shares
    mapping(uint256 => mapping(address => address)) private _delegatees;
    mapping(uint256 => mapping(address => Checkpoints.Trace208)) private _votes;
    mapping(uint256 => Checkpoints.Trace208) private _totalVotes;

    error UnknownClass(uint256 classId);
    error UnknownToken(uint256 tokenId);
    error NotManager(uint256 classId, address caller);
    error NotRecorder(uint256 classId, address caller);
    error InvalidClass(string reason);
    error ClassMismatch(uint256 fromClass, uint256 toClass);
    error TokenExpired(uint256 tokenId, uint64 expireAt);
    error NotExpired(uint256 tokenId);
    error InsufficientValue(uint256 tokenId, uint256 value, uint256 requested);
    error NotTokenOwner(uint256 tokenId, address caller);
    error PaymentFailed(address to, uint256 amount);
    error FutureLookup(uint256 timepoint, uint48 clock);

    event ClassCreated(uint256 indexed classId, Kind kind, address indexed manager, bytes32 contentHash, string uri, uint256[] parents, uint16[] parentBps);
    event ClassManagerChanged(uint256 indexed classId, address indexed manager);
    event PriceChanged(uint256 indexed classId, uint256 pricePerUse);
    event RecorderSet(uint256 indexed classId, address indexed recorder, bool allowed);
    event ValidatorSet(uint256 indexed classId, address indexed validator, bool allowed);
    event ContentUpgraded(uint256 indexed classId, bytes32 previousHash, bytes32 contentHash, string uri);
    event DATMinted(uint256 indexed tokenId, uint256 indexed classId, address indexed to, uint256 value, uint64 expireAt, uint256 shareRatio);
    event ValueTransferred(uint256 indexed fromTokenId, uint256 indexed toTokenId, uint256 value);
    event ClassApproval(address indexed owner, uint256 indexed classId, address indexed operator, bool approved);
    event UsageRecorded(uint256 indexed classId, address indexed user, address indexed recorder, uint256 units, uint256 amount);
    event RevenueSettled(uint256 indexed classId, address indexed payer, uint256 amount, uint256 perShare, uint256 carry);
    event Claimed(address indexed account, uint256 amount);
    event Retired(uint256 indexed tokenId, uint256 indexed classId);
    event DelegateChanged(uint256 indexed classId, address indexed delegator, address indexed toDelegate);

    constructor() ERC721("Data Anchored Token", "DAT") {}

    // ---- classes -------------------------------------------------------------------------------------------------

    /// @notice Creates a class managed by the caller. `parents` are existing classes in increasing id order;
    ///         `parentBps` their shares of this class's usage revenue (sum ≤ 10,000).
    function createClass(Kind kind, bytes32 contentHash, string calldata uri, uint256[] calldata parents, uint16[] calldata parentBps)
        external
        returns (uint256 classId)
    {
        if (kind == Kind.None) revert InvalidClass("kind must be Dataset, Model or Agent");
        if (contentHash == bytes32(0)) revert InvalidClass("content hash is zero");
        if (parents.length != parentBps.length) revert InvalidClass("parents and parentBps differ in length");
        if (parents.length > MAX_PARENTS) revert InvalidClass("more than 16 parents");
        uint256 sum;
        for (uint256 i = 0; i < parents.length; i++) {
            if (parents[i] == 0 || parents[i] > classCount) revert UnknownClass(parents[i]);
            if (i > 0 && parents[i] <= parents[i - 1]) revert InvalidClass("parents must be strictly increasing");
            sum += parentBps[i];
        }
        if (sum > BPS) revert InvalidClass("parent shares exceed 10000 bps");
        classId = ++classCount;
        Class storage c = _classes[classId];
        c.kind = kind;
        c.manager = msg.sender;
        c.contentHash = contentHash;
        c.uri = uri;
        c.parents = parents;
        c.parentBps = parentBps;
        emit ClassCreated(classId, kind, msg.sender, contentHash, uri, parents, parentBps);
    }

    modifier onlyManager(uint256 classId) {
        address manager = _class(classId).manager;
        if (msg.sender != manager) revert NotManager(classId, msg.sender);
        _;
    }

    function setManager(uint256 classId, address manager) external onlyManager(classId) {
        if (manager == address(0)) revert InvalidClass("manager is zero");
        _classes[classId].manager = manager;
        emit ClassManagerChanged(classId, manager);
    }

    function setPrice(uint256 classId, uint256 pricePerUse) external onlyManager(classId) {
        _classes[classId].pricePerUse = pricePerUse;
        emit PriceChanged(classId, pricePerUse);
    }

    function setRecorder(uint256 classId, address recorder, bool allowed) external onlyManager(classId) {
        isRecorder[classId][recorder] = allowed;
        emit RecorderSet(classId, recorder, allowed);
    }

    function setValidator(uint256 classId, address validator, bool allowed) external onlyManager(classId) {
        isValidator[classId][validator] = allowed;
        emit ValidatorSet(classId, validator, allowed);
    }

    /// @notice A model upgrade (or a new dataset version): the class keeps its holders and provenance.
    function upgradeContent(uint256 classId, bytes32 contentHash, string calldata uri) external onlyManager(classId) {
        if (contentHash == bytes32(0)) revert InvalidClass("content hash is zero");
        Class storage c = _classes[classId];
        emit ContentUpgraded(classId, c.contentHash, contentHash, uri);
        c.contentHash = contentHash;
        c.uri = uri;
    }

    function classInfo(uint256 classId)
        external
        view
        returns (Kind kind, address manager, bytes32 contentHash, string memory uri, uint256 pricePerUse, uint256 totalShares)
    {
        Class storage c = _class(classId);
        return (c.kind, c.manager, c.contentHash, c.uri, c.pricePerUse, c.totalShares);
    }

    function provenance(uint256 classId) external view returns (uint256[] memory parents, uint16[] memory parentBps) {
        Class storage c = _class(classId);
        return (c.parents, c.parentBps);
    }

    function revenueInfo(uint256 classId)
        external
        view
        returns (uint256 totalRevenue, uint256 revenuePerShare, uint256 carry, uint256 usageCount)
    {
        Class storage c = _class(classId);
        return (c.totalRevenue, c.revenuePerShare, c.carry, c.usageCount);
    }

    // ---- tokens --------------------------------------------------------------------------------------------------

    function mintDAT(address to, uint256 classId, uint256 value, uint64 expireAt, uint256 shareRatio)
        external
        onlyManager(classId)
        returns (uint256 tokenId)
    {
        if (expireAt != 0 && expireAt <= block.timestamp) revert TokenExpired(0, expireAt);
        tokenId = ++tokenCount;
        Class storage c = _classes[classId];
        _tokens[tokenId] = Token(classId, value, shareRatio, expireAt, false, c.revenuePerShare);
        c.totalShares += shareRatio;
        _mint(to, tokenId); // _update moves the holder's shares and votes
        emit DATMinted(tokenId, classId, to, value, expireAt, shareRatio);
    }

    function valueOf(uint256 tokenId) external view returns (uint256) {
        return _token(tokenId).value;
    }

    function classOf(uint256 tokenId) external view returns (uint256) {
        return _token(tokenId).classId;
    }

    /// @notice The token's share weight (0 once retired).
    function shareOf(uint256 tokenId) public view returns (uint256) {
        Token storage t = _token(tokenId);
        return t.retired ? 0 : t.shareRatio;
    }

    function expireAtOf(uint256 tokenId) external view returns (uint64) {
        return _token(tokenId).expireAt;
    }

    function isExpired(uint256 tokenId) public view returns (bool) {
        uint64 expireAt = _token(tokenId).expireAt;
        return expireAt != 0 && block.timestamp >= expireAt;
    }

    /// @notice Moves usage credit between two unexpired tokens of one class; the caller must own or be approved for
    ///         the source (token approval, operator, or class approval).
    function transferValue(uint256 fromTokenId, uint256 toTokenId, uint256 value) external {
        Token storage from = _token(fromTokenId);
        Token storage to = _token(toTokenId);
        if (from.classId != to.classId) revert ClassMismatch(from.classId, to.classId);
        if (isExpired(fromTokenId)) revert TokenExpired(fromTokenId, from.expireAt);
        if (isExpired(toTokenId)) revert TokenExpired(toTokenId, to.expireAt);
        _checkAuthorized(ownerOf(fromTokenId), msg.sender, fromTokenId);
        if (from.value < value) revert InsufficientValue(fromTokenId, from.value, value);
        from.value -= value;
        to.value += value;
        emit ValueTransferred(fromTokenId, toTokenId, value);
    }

    function approveForClass(uint256 classId, address operator, bool approved) external {
        _class(classId);
        _classApprovals[msg.sender][classId][operator] = approved;
        emit ClassApproval(msg.sender, classId, operator, approved);
    }

    function isApprovedForClass(address owner, uint256 classId, address operator) external view returns (bool) {
        return _classApprovals[owner][classId][operator];
    }

    function _isAuthorized(address owner, address spender, uint256 tokenId) internal view override returns (bool) {
        return super._isAuthorized(owner, spender, tokenId)
            || (spender != address(0) && _classApprovals[owner][_tokens[tokenId].classId][spender]);
    }

    /// @notice Ends an expired token's share: its earnings so far go to its holder, its share leaves the class.
    function retire(uint256 tokenId) external {
        Token storage t = _token(tokenId);
        if (!isExpired(tokenId)) revert NotExpired(tokenId);
        if (t.retired) return;
        address holder = ownerOf(tokenId);
        _accrue(tokenId, holder);
        t.retired = true;
        _classes[t.classId].totalShares -= t.shareRatio;
        _moveShares(t.classId, holder, address(0), t.shareRatio);
        emit Retired(tokenId, t.classId);
    }

    // ---- usage and revenue ---------------------------------------------------------------------------------------

    /// @notice Records `units` uses of a class by `user`, paid `amount` wei (by a recorder the class manager allowed).
    function recordUsage(uint256 classId, address user, uint256 units, uint256 amount) external {
        if (!isRecorder[classId][msg.sender]) revert NotRecorder(classId, msg.sender);
        _classes[classId].usageCount += units;
        usageOf[classId][user] += units;
        emit UsageRecorded(classId, user, msg.sender, units, amount);
    }

    /// @notice Pays `msg.value` to the class's holders by share (remainder rule in the contract notice).
    function settleRevenue(uint256 classId) external payable {
        Class storage c = _class(classId);
        c.totalRevenue += msg.value;
        uint256 amount = msg.value + c.carry;
        uint256 perShare;
        if (c.totalShares != 0) {
            perShare = amount / c.totalShares;
            c.revenuePerShare += perShare;
            amount %= c.totalShares;
        }
        c.carry = amount;
        emit RevenueSettled(classId, msg.sender, msg.value, perShare, amount);
    }

    /// @notice What the token earned since it was last accrued (goes to its holder).
    function pendingOf(uint256 tokenId) public view returns (uint256) {
        Token storage t = _token(tokenId);
        if (t.retired) return 0;
        return t.shareRatio * (_classes[t.classId].revenuePerShare - t.revenuePerShareSeen);
    }

    function claimable(address account, uint256[] calldata tokenIds) external view returns (uint256 amount) {
        amount = owed[account];
        for (uint256 i = 0; i < tokenIds.length; i++) {
            if (_ownerOf(tokenIds[i]) == account) amount += pendingOf(tokenIds[i]);
        }
    }

    /// @notice Credits the caller's tokens' earnings and pays everything the caller is owed (also earnings of tokens
    ///         it has since transferred). An empty list only withdraws.
    function claim(uint256[] calldata tokenIds) external returns (uint256 amount) {
        for (uint256 i = 0; i < tokenIds.length; i++) {
            if (_ownerOf(tokenIds[i]) != msg.sender) revert NotTokenOwner(tokenIds[i], msg.sender);
            _accrue(tokenIds[i], msg.sender);
        }
        amount = owed[msg.sender];
        owed[msg.sender] = 0;
        emit Claimed(msg.sender, amount);
        if (amount != 0) {
            (bool ok,) = msg.sender.call{value: amount}("");
            if (!ok) revert PaymentFailed(msg.sender, amount);
        }
    }

    function _accrue(uint256 tokenId, address holder) private {
        Token storage t = _tokens[tokenId];
        uint256 rps = _classes[t.classId].revenuePerShare;
        if (!t.retired) owed[holder] += t.shareRatio * (rps - t.revenuePerShareSeen);
        t.revenuePerShareSeen = rps;
    }

    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        Token storage t = _tokens[tokenId];
        if (from != address(0)) _accrue(tokenId, from);
        if (!t.retired) _moveShares(t.classId, from, to, t.shareRatio);
    }

    // ---- votes (read by ClassVotes for the iDAO Governor) --------------------------------------------------------

    function clock() public view returns (uint48) {
        return SafeCast.toUint48(block.number);
    }

    function delegates(uint256 classId, address account) public view returns (address) {
        address d = _delegatees[classId][account];
        return d == address(0) ? account : d;
    }

    function delegate(uint256 classId, address to) external {
        _class(classId);
        address previous = delegates(classId, msg.sender);
        _delegatees[classId][msg.sender] = to;
        emit DelegateChanged(classId, msg.sender, to);
        _moveVotes(classId, previous, delegates(classId, msg.sender), sharesOf[classId][msg.sender]);
    }

    function getVotes(uint256 classId, address account) external view returns (uint256) {
        return _votes[classId][account].latest();
    }

    function getPastVotes(uint256 classId, address account, uint256 timepoint) external view returns (uint256) {
        return _votes[classId][account].upperLookupRecent(_past(timepoint));
    }

    function getPastTotalSupply(uint256 classId, uint256 timepoint) external view returns (uint256) {
        return _totalVotes[classId].upperLookupRecent(_past(timepoint));
    }

    function _past(uint256 timepoint) private view returns (uint48) {
        uint48 now_ = clock();
        if (timepoint >= now_) revert FutureLookup(timepoint, now_);
        return SafeCast.toUint48(timepoint);
    }

    function _moveShares(uint256 classId, address from, address to, uint256 amount) private {
        if (amount == 0) return;
        if (from != address(0)) sharesOf[classId][from] -= amount;
        else _totalVotes[classId].push(clock(), SafeCast.toUint208(_totalVotes[classId].latest() + amount));
        if (to != address(0)) sharesOf[classId][to] += amount;
        else _totalVotes[classId].push(clock(), SafeCast.toUint208(_totalVotes[classId].latest() - amount));
        _moveVotes(classId, from == address(0) ? address(0) : delegates(classId, from), to == address(0) ? address(0) : delegates(classId, to), amount);
    }

    function _moveVotes(uint256 classId, address from, address to, uint256 amount) private {
        if (from == to || amount == 0) return;
        if (from != address(0)) _votes[classId][from].push(clock(), SafeCast.toUint208(_votes[classId][from].latest() - amount));
        if (to != address(0)) _votes[classId][to].push(clock(), SafeCast.toUint208(_votes[classId][to].latest() + amount));
    }

    // ---- lookups -------------------------------------------------------------------------------------------------

    function _class(uint256 classId) private view returns (Class storage c) {
        c = _classes[classId];
        if (c.kind == Kind.None) revert UnknownClass(classId);
    }

    function _token(uint256 tokenId) private view returns (Token storage t) {
        t = _tokens[tokenId];
        if (t.classId == 0) revert UnknownToken(tokenId);
    }
}
