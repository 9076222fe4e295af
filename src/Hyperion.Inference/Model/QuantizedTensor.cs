namespace Hyperion.Inference.Model;

/// <summary>
/// A weight matrix of <see cref="Rows"/> × <see cref="Cols"/> quantized to int8 in groups of
/// <see cref="GroupSize"/> along each row. Rows are zero-padded to <see cref="PaddedCols"/> (a multiple of the
/// group size) so the dot-product kernel never needs a ragged tail. Real weight ≈ q · scale / 2^ScaleShift,
/// with one non-negative integer scale per (row, group). Values are in [−127, 127].
/// </summary>
public sealed class QuantizedTensor
{
    public QuantizedTensor(int rows, int cols, int groupSize, int scaleShift, sbyte[] values, int[] scales)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(scales);
        if (rows <= 0 || cols <= 0) throw new InvalidDataException($"Tensor shape {rows}×{cols} must be positive.");
        if (groupSize is not (32 or 64)) throw new InvalidDataException($"Group size {groupSize} must be 32 or 64.");
        if (scaleShift is < 0 or > MaxScaleShift) throw new InvalidDataException($"Scale shift {scaleShift} out of range (0..{MaxScaleShift}).");
        Rows = rows;
        Cols = cols;
        GroupSize = groupSize;
        GroupsPerRow = (cols + groupSize - 1) / groupSize;
        PaddedCols = GroupsPerRow * groupSize;
        ScaleShift = scaleShift;
        if ((long)rows * PaddedCols != values.LongLength) throw new InvalidDataException($"Tensor {rows}×{cols} needs {(long)rows * PaddedCols} values, got {values.LongLength}.");
        if ((long)rows * GroupsPerRow != scales.LongLength) throw new InvalidDataException($"Tensor {rows}×{cols} needs {(long)rows * GroupsPerRow} scales, got {scales.LongLength}.");
        Values = values;
        Scales = scales;
    }

    /// <summary>Scales are kept below 2^24 so scale × activation scale (below 2^38) fits a long.</summary>
    public const int MaxScaleBits = 24;

    public const int MaxScaleShift = 62;

    public int Rows { get; }
    public int Cols { get; }
    public int GroupSize { get; }
    public int GroupsPerRow { get; }
    public int PaddedCols { get; }
    public int ScaleShift { get; }
    public sbyte[] Values { get; }
    public int[] Scales { get; }

    /// <summary>Checks the invariants the canonical format and the kernels rely on.</summary>
    public void Validate(string name)
    {
        foreach (int s in Scales)
        {
            if (s < 0 || s >= 1 << MaxScaleBits) throw new InvalidDataException($"Tensor {name}: scale {s} out of range [0, 2^{MaxScaleBits}).");
        }

        for (int r = 0; r < Rows; r++)
        {
            ReadOnlySpan<sbyte> row = Values.AsSpan(r * PaddedCols, PaddedCols);
            for (int c = 0; c < PaddedCols; c++)
            {
                if (row[c] == sbyte.MinValue) throw new InvalidDataException($"Tensor {name}: value −128 at row {r} (range is [−127, 127]).");
                if (c >= Cols && row[c] != 0) throw new InvalidDataException($"Tensor {name}: non-zero padding at row {r}.");
            }
        }
    }
}
