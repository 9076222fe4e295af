using Hyperion.Core;

namespace Hyperion.Chain;

/// <summary>Where an <see cref="AddressIndex"/> keeps its entries.</summary>
public enum AddressIndexStorage
{
    /// <summary>LMDB tables: in the data directory (kept across restarts), or in a temporary directory deleted on dispose.</summary>
    Lmdb,

    /// <summary>Dictionaries in the process's memory (an ephemeral node's: nothing outlives it, so nothing needs writing).</summary>
    Memory,
}

/// <summary>The last block an address index holds (0: none), its hash, and how many of its blocks were indexed from their transactions only.</summary>
internal readonly record struct AddressIndexCheckpoint(ulong Block, Hash256 Hash, long Untraced);

/// <summary>One block's entries: per transaction the addresses it touched, and the contracts it created with their creators.</summary>
internal sealed record BlockEntries(List<(int Index, Address Address)> Touched, List<(int Index, Address Contract, Address Creator)> Created, bool Traced);

/// <summary>
/// The entries of an <see cref="AddressIndex"/>, block by block from block 1, under a checkpoint (the last block held).
/// The index calls it under its lock only. A store whose entries are damaged throws <see cref="InvalidDataException"/>
/// (the index then clears it and indexes the chain again).
/// </summary>
internal interface IAddressIndexStore : IDisposable
{
    AddressIndexCheckpoint Checkpoint { get; }

    /// <summary>A batch of blocks to add after the checkpoint, in order; nothing of it is kept unless committed.</summary>
    IAddressIndexBatch Write();

    /// <summary>Forgets the checkpoint's block (the chain no longer has it) and moves the checkpoint to the block before.</summary>
    void DropLast();

    /// <summary>
    /// Visits the positions of <paramref name="address"/> while <paramref name="visit"/> returns true: before block
    /// <paramref name="block"/> newest first, or from block <paramref name="block"/> + 1 (wrapping) oldest first.
    /// </summary>
    void Scan(Address address, ulong block, bool before, Func<TransactionPosition, bool> visit);

    /// <summary>The latest creation of <paramref name="contract"/> held; null when none is.</summary>
    ContractCreation? Creator(Address contract);

    /// <summary>Forgets every entry (to index the chain again).</summary>
    void Clear();
}

internal interface IAddressIndexBatch : IDisposable
{
    /// <summary>Adds block <paramref name="number"/>'s entries (the block after the last one added or held).</summary>
    void Add(ulong number, Hash256 hash, BlockEntries entries);

    /// <summary>Keeps the blocks added, atomically with the checkpoint moved to <paramref name="last"/>.</summary>
    void Commit(AddressIndexCheckpoint last);
}
