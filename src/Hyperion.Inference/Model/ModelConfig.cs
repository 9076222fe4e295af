namespace Hyperion.Inference.Model;

/// <summary>Shape of a Llama-architecture transformer.</summary>
public sealed record ModelConfig(
    int Dim,
    int HiddenDim,
    int Layers,
    int Heads,
    int KvHeads,
    int VocabSize,
    int SeqLen,
    bool SharedClassifier = true,
    uint RopeTheta = 10000,
    ulong RmsEpsQ32 = 42950)
{
    /// <summary>1e−5 · 2^32, llama2.c's RMSNorm epsilon.</summary>
    public const ulong DefaultRmsEpsQ32 = 42950;

    /// <summary>Upper bounds that keep every size computation inside int and the fixed-point ranges safe.</summary>
    public const int MaxDim = 16384, MaxHidden = 65536, MaxLayers = 256, MaxVocab = 1 << 20, MaxSeqLen = 1 << 16;

    public int HeadSize => Dim / Heads;
    public int KvDim => HeadSize * KvHeads;

    /// <summary>Throws <see cref="InvalidDataException"/> when the shape is impossible or out of the supported range.</summary>
    public void Validate()
    {
        Check(Dim is > 0 and <= MaxDim, $"dim {Dim} out of range (1..{MaxDim})");
        Check(HiddenDim is > 0 and <= MaxHidden, $"hidden dim {HiddenDim} out of range (1..{MaxHidden})");
        Check(Layers is > 0 and <= MaxLayers, $"layer count {Layers} out of range (1..{MaxLayers})");
        Check(Heads > 0 && Heads <= Dim && Dim % Heads == 0, $"head count {Heads} must divide dim {Dim}");
        Check(HeadSize % 2 == 0, $"head size {HeadSize} must be even (RoPE rotates pairs)");
        Check(KvHeads > 0 && KvHeads <= Heads && Heads % KvHeads == 0, $"kv head count {KvHeads} must divide head count {Heads}");
        Check(VocabSize is > 0 and <= MaxVocab, $"vocab size {VocabSize} out of range (1..{MaxVocab})");
        Check(SeqLen is > 0 and <= MaxSeqLen, $"sequence length {SeqLen} out of range (1..{MaxSeqLen})");
        Check(RopeTheta >= 2, $"rope theta {RopeTheta} must be ≥ 2");
        Check(RmsEpsQ32 is > 0 and < 1UL << 32, $"RMSNorm epsilon {RmsEpsQ32} (Q32) must be in (0, 1)");
    }

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new InvalidDataException("Invalid model shape: " + message + ".");
    }
}
