using Hyperion.Core.Rlp;
using Hyperion.Core.Transactions;
using RlpCodec = Hyperion.Core.Rlp.Rlp;

namespace Hyperion.Core.Blocks;

/// <summary>
/// A transaction receipt: rlp([status or post-state root, cumulative gas used, logs bloom, logs]), prefixed with the
/// type byte for typed transactions (EIP-2718). OP-stack deposit receipts may append the deposit nonce and the
/// receipt version (Canyon).
/// </summary>
public sealed class Receipt
{
    public TransactionType Type { get; init; }

    /// <summary>EIP-658 status (Byzantium and later); ignored when <see cref="PostState"/> is set.</summary>
    public bool Success { get; init; }

    /// <summary>The pre-Byzantium intermediate state root, stored instead of a status; null for a status receipt.</summary>
    public Hash256? PostState
    {
        get => _rare?.PostState;
        init
        {
            if (value is not null)
            {
                Rare.PostState = value;
            }
        }
    }

    public ulong CumulativeGasUsed { get; init; }

    // The logs' bits, or none: a receipt without logs sets none (its bloom is all zeros; one per plain transfer was ~12 %
    // of what a ×2 block of them allocated), and an executed one with a few logs keeps their bits, not 256 bytes (see
    // LogsBloom). Encoding writes the bloom's bytes from them; a Bloom object is made only when one is read.
    private LogsBloom _logsBloom;

    /// <summary>The logs' bloom; made (and kept) on first read when set as <see cref="LogsBloom"/> or to null (all zeros).</summary>
    public Bloom Bloom
    {
        get
        {
            if (_logsBloom.Whole is Bloom whole)
            {
                return whole;
            }

            Bloom made = _logsBloom.ToBloom();
            _logsBloom = new LogsBloom(made);
            return made;
        }

        init => _logsBloom = new LogsBloom(value);
    }

    /// <summary>The logs' bloom as its bits (an executed receipt's, see <see cref="LogsBloomOf"/>) or the whole bloom.</summary>
    public LogsBloom LogsBloom { get => _logsBloom; init => _logsBloom = value; }

    public IReadOnlyList<Log> Logs { get; init; } = [];

    /// <summary>OP-stack deposit receipts (Regolith and later): the sender's nonce before the deposit.</summary>
    public ulong? DepositNonce
    {
        get => _rare?.DepositNonce;
        init
        {
            if (value is not null)
            {
                Rare.DepositNonce = value;
            }
        }
    }

    /// <summary>OP-stack deposit receipts (Canyon and later): 1.</summary>
    public ulong? DepositReceiptVersion
    {
        get => _rare?.DepositReceiptVersion;
        init
        {
            if (value is not null)
            {
                Rare.DepositReceiptVersion = value;
            }
        }
    }

    // The fields only a pre-Byzantium or a deposit receipt has, in an object of their own made for those alone: kept
    // inline, their 72 bytes were more than half of every other receipt (one per transaction a block makes and a
    // node keeps).
    private RareFields? _rare;

    private RareFields Rare => _rare ??= new();

    private sealed class RareFields
    {
        public Hash256? PostState;
        public ulong? DepositNonce;
        public ulong? DepositReceiptVersion;
    }

    /// <summary>How many topics' bits <see cref="BloomOf"/> keeps in a caller's map.</summary>
    public const int KeptTopicBits = 64;

    /// <summary>The bloom of a list of logs: every log's address and topics.</summary>
    /// <param name="logs">The logs.</param>
    /// <param name="addressBits">
    /// The bits of the log addresses met before, kept by a caller that computes many receipts' blooms (a block's): the
    /// same contract emits most of a block's logs (a token's transfers), and its address is then hashed once rather
    /// than once per log. Added to here.
    /// </param>
    /// <param name="topicBits">
    /// The same for topics (a token's Transfer signature is every one of its logs' first topic, its holders recur in the
    /// others): each topic then hashed once per block, not once per log. Added to here, up to
    /// <see cref="KeptTopicBits"/> topics (the first ones met; a block of distinct topics grows it no further).
    /// </param>
    public static Bloom BloomOf(IReadOnlyList<Log> logs, Dictionary<Address, BloomBits>? addressBits = null, Dictionary<Hash256, BloomBits>? topicBits = null)
    {
        ArgumentNullException.ThrowIfNull(logs);
        var bloom = new Bloom();
        // Indexed, not foreach: an interface's enumerator is an allocation per receipt and per log.
        for (int i = 0; i < logs.Count; i++)
        {
            Log log = logs[i];
            bloom.Add(AddressBits(log.Address, addressBits));
            IReadOnlyList<Hash256> topics = log.Topics;
            for (int t = 0; t < topics.Count; t++)
            {
                bloom.Add(TopicBits(topics[t], topicBits));
            }
        }

        return bloom;
    }

    /// <summary>
    /// <see cref="BloomOf"/> as a receipt keeps it (<see cref="LogsBloom"/>): the bits one by one when the logs set at
    /// most <see cref="LogsBloom.MaxBits"/>, else the whole bloom.
    /// </summary>
    public static LogsBloom LogsBloomOf(IReadOnlyList<Log> logs, Dictionary<Address, BloomBits>? addressBits = null, Dictionary<Hash256, BloomBits>? topicBits = null)
    {
        ArgumentNullException.ThrowIfNull(logs);
        int values = 0;
        for (int i = 0; i < logs.Count; i++)
        {
            values += 1 + logs[i].Topics.Count;
        }

        if (3 * values > LogsBloom.MaxBits)
        {
            return new LogsBloom(BloomOf(logs, addressBits, topicBits));
        }

        Span<BloomBits> bits = stackalloc BloomBits[values];
        int next = 0;
        for (int i = 0; i < logs.Count; i++)
        {
            Log log = logs[i];
            bits[next++] = AddressBits(log.Address, addressBits);
            IReadOnlyList<Hash256> topics = log.Topics;
            for (int t = 0; t < topics.Count; t++)
            {
                bits[next++] = TopicBits(topics[t], topicBits);
            }
        }

        return LogsBloom.Of(bits);
    }

    /// <summary>A log address's bloom bits, from (and added to) <paramref name="kept"/> when given.</summary>
    private static BloomBits AddressBits(in Address address, Dictionary<Address, BloomBits>? kept)
    {
        if (kept is null)
        {
            return BloomBits.Of(address.Bytes);
        }

        if (!kept.TryGetValue(address, out BloomBits bits))
        {
            bits = BloomBits.Of(address.Bytes);
            kept.Add(address, bits);
        }

        return bits;
    }

    /// <summary>A topic's bloom bits, from (and added to, up to <see cref="KeptTopicBits"/>) <paramref name="kept"/> when given.</summary>
    private static BloomBits TopicBits(in Hash256 topic, Dictionary<Hash256, BloomBits>? kept)
    {
        if (kept is null)
        {
            return BloomBits.Of(topic.Bytes);
        }

        if (!kept.TryGetValue(topic, out BloomBits bits))
        {
            bits = BloomBits.Of(topic.Bytes);
            if (kept.Count < KeptTopicBits)
            {
                kept.Add(topic, bits);
            }
        }

        return bits;
    }

    /// <summary>rlp(logs) as a list of [address, [topics], data]; its keccak is the state tests' "logs" hash.</summary>
    public static byte[] EncodeLogs(IReadOnlyList<Log> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        int content = LogsContentLength(logs);
        var result = new byte[RlpCodec.LengthOfList(content)];
        var writer = new RlpWriter(result);
        WriteLogs(ref writer, logs, content);
        return result;
    }

    /// <summary>The typed envelope (<c>type || rlp</c>), or the bare RLP list for a legacy receipt; this is the receipts-trie value.</summary>
    public byte[] EncodeEnvelope()
    {
        var result = new byte[EnvelopeLength];
        WriteEnvelope(result);
        return result;
    }

    /// <summary>The length of <see cref="EncodeEnvelope"/>'s envelope.</summary>
    public int EnvelopeLength => (Type == TransactionType.Legacy ? 0 : 1) + RlpCodec.LengthOfList(ContentLength());

    /// <summary>Writes the envelope (<see cref="EnvelopeLength"/> bytes) to <paramref name="destination"/>: a trie's leaf writes it in place.</summary>
    public void WriteEnvelope(Span<byte> destination)
    {
        int content = ContentLength();
        int prefix = Type == TransactionType.Legacy ? 0 : 1;
        destination[0] = (byte)Type;
        var writer = new RlpWriter(destination[prefix..]);
        writer.WriteListHeader(content);
        if (PostState is Hash256 root)
        {
            writer.WriteHash(root);
        }
        else
        {
            writer.WriteUInt64(Success ? 1UL : 0UL);
        }

        writer.WriteUInt64(CumulativeGasUsed);
        Span<byte> bloom = stackalloc byte[Bloom.Size];
        bloom.Clear();
        _logsBloom.AddTo(bloom);
        writer.WriteBytes(bloom);
        WriteLogs(ref writer, Logs, LogsContentLength(Logs));
        if (DepositNonce is ulong nonce)
        {
            writer.WriteUInt64(nonce);
            if (DepositReceiptVersion is ulong version)
            {
                writer.WriteUInt64(version);
            }
        }
    }

    /// <summary>Decodes a receipt envelope (typed or legacy).</summary>
    /// <exception cref="RlpException">Malformed or non-canonical encoding, or an unknown type.</exception>
    public static Receipt DecodeEnvelope(ReadOnlySpan<byte> envelope)
    {
        if (envelope.IsEmpty)
        {
            throw new RlpException("Invalid receipt: empty input.");
        }

        TransactionType type = TransactionType.Legacy;
        if (envelope[0] < 0x80)
        {
            type = (TransactionType)envelope[0];
            if (type is not (TransactionType.AccessList or TransactionType.DynamicFee or TransactionType.Blob or TransactionType.SetCode or TransactionType.Deposit))
            {
                throw new RlpException($"Invalid receipt: unknown type 0x{envelope[0]:x2}.");
            }

            envelope = envelope[1..];
        }
        else if (envelope[0] < 0xc0)
        {
            throw new RlpException($"Invalid receipt: expected an RLP list or a type byte below 0x80, found 0x{envelope[0]:x2}.");
        }

        var reader = new RlpReader(envelope);
        RlpReader fields = reader.EnterList();
        int statusOffset = fields.Position;
        ReadOnlySpan<byte> statusOrRoot = fields.ReadBytes();
        Hash256? postState = null;
        bool success = false;
        if (statusOrRoot.Length == Hash256.Size)
        {
            postState = new Hash256(statusOrRoot);
        }
        else if (statusOrRoot.Length == 1 && statusOrRoot[0] == 1)
        {
            success = true;
        }
        else if (statusOrRoot.Length != 0)
        {
            throw new RlpException($"Invalid receipt at offset {statusOffset}: the first field must be a status (empty or 0x01) or a 32-byte state root.");
        }

        ulong cumulativeGas = fields.ReadUInt64();
        int bloomOffset = fields.Position;
        ReadOnlySpan<byte> bloom = fields.ReadBytes();
        if (bloom.Length != Bloom.Size)
        {
            throw new RlpException($"Invalid receipt at offset {bloomOffset}: logs bloom must be {Bloom.Size} bytes, found {bloom.Length}.");
        }

        Log[] logs = ReadLogs(ref fields);
        ulong? depositNonce = null, depositVersion = null;
        if (type == TransactionType.Deposit && !fields.IsEmpty)
        {
            depositNonce = fields.ReadUInt64();
            depositVersion = fields.IsEmpty ? null : fields.ReadUInt64();
        }

        fields.EnsureEnd();
        reader.EnsureEnd();
        return new Receipt
        {
            Type = type,
            Success = success,
            PostState = postState,
            CumulativeGasUsed = cumulativeGas,
            Bloom = new Bloom(bloom),
            Logs = logs,
            DepositNonce = depositNonce,
            DepositReceiptVersion = depositVersion,
        };
    }

    private static readonly int BloomLength = RlpCodec.LengthOfBytes(new byte[Bloom.Size]);

    private int ContentLength()
    {
        int length = (PostState is null ? 1 : 1 + Hash256.Size) + RlpCodec.LengthOf(CumulativeGasUsed) +
            BloomLength + RlpCodec.LengthOfList(LogsContentLength(Logs));
        if (DepositNonce is ulong nonce)
        {
            length += RlpCodec.LengthOf(nonce);
            if (DepositReceiptVersion is ulong version)
            {
                length += RlpCodec.LengthOf(version);
            }
        }

        return length;
    }

    private static int LogContentLength(Log log) =>
        1 + Address.Size + RlpCodec.LengthOfList(log.Topics.Count * (1 + Hash256.Size)) + RlpCodec.LengthOfBytes(log.Data.Span);

    private static int LogsContentLength(IReadOnlyList<Log> logs)
    {
        int total = 0;
        for (int i = 0; i < logs.Count; i++)
        {
            total += RlpCodec.LengthOfList(LogContentLength(logs[i]));
        }

        return total;
    }

    private static void WriteLogs(ref RlpWriter writer, IReadOnlyList<Log> logs, int contentLength)
    {
        // Indexed, not foreach: an interface's enumerator is an allocation per receipt and per log (receipts root).
        writer.WriteListHeader(contentLength);
        for (int i = 0; i < logs.Count; i++)
        {
            Log log = logs[i];
            writer.WriteListHeader(LogContentLength(log));
            writer.WriteAddress(log.Address);
            IReadOnlyList<Hash256> topics = log.Topics;
            writer.WriteListHeader(topics.Count * (1 + Hash256.Size));
            for (int t = 0; t < topics.Count; t++)
            {
                writer.WriteHash(topics[t]);
            }

            writer.WriteBytes(log.Data.Span);
        }
    }

    private static Log[] ReadLogs(ref RlpReader reader)
    {
        RlpReader list = reader.EnterList();
        var logs = new List<Log>();
        while (!list.IsEmpty)
        {
            RlpReader fields = list.EnterList();
            Address address = fields.ReadAddress();
            RlpReader topicList = fields.EnterList();
            var topics = new List<Hash256>();
            while (!topicList.IsEmpty)
            {
                topics.Add(topicList.ReadHash());
            }

            byte[] data = fields.ReadBytes().ToArray();
            fields.EnsureEnd();
            logs.Add(new Log(address, [.. topics], data));
        }

        return [.. logs];
    }
}
