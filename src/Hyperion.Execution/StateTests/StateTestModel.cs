using Hyperion.Core;

namespace Hyperion.Execution.StateTests;

// Numeric fixture fields are kept as minimal big-endian bytes (no leading zeros; zero is empty) so any 256-bit
// quantity fits without loss; the runner converts them to its word type. Consensus code never sees the JSON.

/// <summary>One account of a state test's pre- or post-state.</summary>
public sealed record StateTestAccount(byte[] Balance, ulong Nonce, byte[] Code, IReadOnlyList<StateTestStorageEntry> Storage);

/// <summary>One storage slot: key and value as minimal big-endian bytes.</summary>
public sealed record StateTestStorageEntry(byte[] Key, byte[] Value);

/// <summary>The block environment a state test's transaction runs in.</summary>
public sealed record StateTestEnvironment(
    Address Coinbase,
    byte[] Difficulty,
    ulong GasLimit,
    ulong Number,
    ulong Timestamp,
    byte[]? BaseFee,
    Hash256? Random,
    byte[]? ExcessBlobGas,
    Hash256? BeaconRoot);

/// <summary>An EIP-2930 access list entry.</summary>
public sealed record StateTestAccessListEntry(Address Address, IReadOnlyList<Hash256> StorageKeys);

/// <summary>
/// The transaction template: <see cref="Data"/>, <see cref="GasLimit"/> and <see cref="Value"/> are alternatives
/// selected by each post entry's indexes; <see cref="AccessLists"/>, when present, parallels <see cref="Data"/>.
/// </summary>
public sealed record StateTestTransaction(
    ulong Nonce,
    Address Sender,
    byte[] SecretKey,
    Address? To,
    byte[]? GasPrice,
    byte[]? MaxFeePerGas,
    byte[]? MaxPriorityFeePerGas,
    byte[]? MaxFeePerBlobGas,
    IReadOnlyList<Hash256>? BlobVersionedHashes,
    IReadOnlyList<byte[]> Data,
    IReadOnlyList<ulong> GasLimit,
    IReadOnlyList<byte[]> Value,
    IReadOnlyList<IReadOnlyList<StateTestAccessListEntry>?>? AccessLists);

/// <summary>Which data/gas/value alternative a post entry refers to.</summary>
public readonly record struct StateTestIndexes(int Data, int Gas, int Value);

/// <summary>The expected outcome of one (fork, data, gas, value) case.</summary>
public sealed record StateTestExpectation(
    StateTestIndexes Indexes,
    Hash256 StateRoot,
    Hash256 LogsHash,
    byte[]? TxBytes,
    string? ExpectException);

/// <summary>One named test of a fixture file: pre-state, environment, transaction template and expectations by fork name.</summary>
public sealed record StateTest(
    string Name,
    StateTestEnvironment Environment,
    IReadOnlyList<KeyValuePair<Address, StateTestAccount>> Pre,
    StateTestTransaction Transaction,
    IReadOnlyList<KeyValuePair<string, IReadOnlyList<StateTestExpectation>>> Post);
