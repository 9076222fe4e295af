using Hyperion.Core;
using Hyperion.Core.Transactions;

namespace Hyperion.Execution.Parallel;

/// <summary>
/// Contracts that made recent contiguous-chunk tries conflict (a shared pool, a busy token): the addresses of the
/// locations that failed a chunk's validation, when they hold code. An imported block's transactions sent to them go,
/// in block order, into one part of the block (<see cref="ContiguousChunks"/>' lane), so that the rest splits across
/// the threads without them. Which transactions are laned only moves time: a laned run is used only when its parts
/// are independent, else the block runs as sequentially (see <see cref="ContiguousChunks"/>).
/// </summary>
/// <remarks>
/// At most <see cref="Capacity"/> addresses (the least recently used one gives way); an address that no block sent
/// two transactions to, nor a conflict named, for <see cref="MaxIdleBlocks"/> blocks is dropped. What it holds follows
/// the conflicts of earlier blocks (and so the split their timing chose), never a result.
/// </remarks>
internal sealed class HotContracts
{
    /// <summary>The most contracts held.</summary>
    public const int Capacity = 4;

    /// <summary>Blocks without two transactions to a contract (or a conflict naming it) after which it is dropped.</summary>
    public const int MaxIdleBlocks = 64;

    private readonly Lock _lock = new();
    private readonly Address[] _addresses = new Address[Capacity];
    private readonly long[] _lastUsed = new long[Capacity];
    private int _count;
    private long _blocks;

    /// <summary>The contracts held (for tests and diagnostics).</summary>
    public IReadOnlyList<Address> Addresses
    {
        get
        {
            lock (_lock)
            {
                return _addresses[.._count];
            }
        }
    }

    /// <summary>
    /// Which of <paramref name="transactions"/> go into the lane (sent to a contract held): null when fewer than two
    /// do, or more than an even share of <paramref name="parts"/> (the lane would take most of a thread's part or
    /// more: not worth it); <paramref name="laned"/> how many do. Counts as one block for the contracts' idleness.
    /// </summary>
    public bool[]? Lane(IReadOnlyList<(Transaction Transaction, Address Sender)> transactions, int parts, out int laned)
    {
        laned = 0;
        lock (_lock)
        {
            _blocks++;
            if (_count == 0 || parts < 2)
            {
                return null;
            }

            DropIdle();
            Span<int> sent = stackalloc int[Capacity];
            bool[]? lane = null;
            for (int i = 0; i < transactions.Count; i++)
            {
                if (transactions[i].Transaction.To is not { } to)
                {
                    continue;
                }

                for (int h = 0; h < _count; h++)
                {
                    if (_addresses[h] == to)
                    {
                        (lane ??= new bool[transactions.Count])[i] = true;
                        sent[h]++;
                        laned++;
                        break;
                    }
                }
            }

            // Still busy: kept from going idle.
            for (int h = 0; h < _count; h++)
            {
                if (sent[h] >= 2)
                {
                    _lastUsed[h] = _blocks;
                }
            }

            if (laned < 2 || laned > transactions.Count / parts)
            {
                laned = 0;
                return null;
            }

            return lane;
        }
    }

    /// <summary>A conflict named <paramref name="contract"/>: held from now (in place of the least recently used one when full).</summary>
    public void Learn(in Address contract)
    {
        lock (_lock)
        {
            int slot = Array.IndexOf(_addresses, contract, 0, _count);
            if (slot < 0)
            {
                if (_count < Capacity)
                {
                    slot = _count++;
                }
                else
                {
                    slot = 0;
                    for (int h = 1; h < _count; h++)
                    {
                        if (_lastUsed[h] < _lastUsed[slot])
                        {
                            slot = h;
                        }
                    }
                }

                _addresses[slot] = contract;
            }

            _lastUsed[slot] = _blocks;
        }
    }

    /// <summary>Drops the contracts idle for more than <see cref="MaxIdleBlocks"/> blocks (under the lock).</summary>
    private void DropIdle()
    {
        for (int h = 0; h < _count;)
        {
            if (_blocks - _lastUsed[h] > MaxIdleBlocks)
            {
                _count--;
                _addresses[h] = _addresses[_count];
                _lastUsed[h] = _lastUsed[_count];
            }
            else
            {
                h++;
            }
        }
    }
}
