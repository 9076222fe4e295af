using System.Collections.Concurrent;
using Hyperion.Core;
using Hyperion.Core.Crypto;
using Hyperion.Inference.Engine;
using Hyperion.Inference.Model;
using Hyperion.Inference.Tokenization;

namespace Hyperion.MetisAi;

/// <summary>A model file found in the model directory.</summary>
public sealed record ModelFile(Hash256 Hash, string Path, long SizeBytes);

/// <summary>
/// The node's model directory: every <c>*.hqm</c> file is hashed (Keccak-256 of the whole file, the HQM content
/// hash) when the store opens; a model is loaded on first use, after checking the file still has that hash.
/// Thread-safe: eth_call and block production may run inference at the same time, each on its own transformer.
/// </summary>
public sealed class ModelStore : IDisposable
{
    private readonly SortedDictionary<Hash256, ModelFile> _files;
    private readonly ConcurrentDictionary<Hash256, Lazy<LoadedModel>> _loaded = new();

    private ModelStore(string directory, SortedDictionary<Hash256, ModelFile> files, int threads)
    {
        Directory = directory;
        _files = files;
        Threads = threads;
    }

    public string Directory { get; }

    /// <summary>Worker threads per forward pass; results do not depend on it.</summary>
    public int Threads { get; }

    /// <summary>The model files found, ordered by hash.</summary>
    public IReadOnlyCollection<ModelFile> Files => _files.Values;

    /// <summary>Scans <paramref name="directory"/> for HQM files and hashes each; a missing directory is an empty store.</summary>
    public static ModelStore Open(string directory, int threads = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var files = new SortedDictionary<Hash256, ModelFile>();
        IEnumerable<string> paths = System.IO.Directory.Exists(directory) ? System.IO.Directory.EnumerateFiles(directory, "*.hqm") : [];
        foreach (string path in paths.Order(StringComparer.Ordinal))
        {
            byte[] bytes = File.ReadAllBytes(path);
            Hash256 hash = Keccak256.Hash(bytes);
            files.TryAdd(hash, new ModelFile(hash, path, bytes.LongLength));
        }

        return new ModelStore(directory, files, threads);
    }

    public bool Contains(in Hash256 hash) => _files.ContainsKey(hash);

    /// <summary>
    /// The model with content hash <paramref name="hash"/>, loaded on first use; null when this node has no such
    /// file. A file that is not a canonical HQM model loads as <see cref="LoadedModel.Error"/> (the same on every node).
    /// </summary>
    /// <exception cref="IOException">The file cannot be read now or no longer has its hash (not cached: a retry reads again).</exception>
    public LoadedModel? TryGet(in Hash256 hash)
    {
        if (!_files.TryGetValue(hash, out ModelFile? file))
        {
            return null;
        }

        Lazy<LoadedModel> entry = _loaded.GetOrAdd(hash, _ => new Lazy<LoadedModel>(() => LoadedModel.Load(file, Threads)));
        try
        {
            return entry.Value;
        }
        catch (IOException)
        {
            _loaded.TryRemove(new KeyValuePair<Hash256, Lazy<LoadedModel>>(hash, entry));
            throw;
        }
    }

    public void Dispose()
    {
        foreach (Lazy<LoadedModel> model in _loaded.Values)
        {
            if (model.IsValueCreated)
            {
                model.Value.Dispose();
            }
        }
    }
}

/// <summary>A loaded model with its tokenizer and a pool of transformers (one per concurrent call).</summary>
public sealed class LoadedModel : IDisposable
{
    private readonly ConcurrentBag<IntegerTransformer> _idle = [];
    private readonly int _threads;

    private LoadedModel(ModelFile file, QuantizedModel? model, string? error, int threads)
    {
        File = file;
        Model = model;
        Error = error;
        Tokenizer = model?.Vocabulary is Vocabulary vocabulary ? new Tokenizer(vocabulary) : null;
        _threads = threads;
    }

    public ModelFile File { get; }

    /// <summary>The weights; null when the file is not a valid model (<see cref="Error"/> says why).</summary>
    public QuantizedModel? Model { get; }

    public string? Error { get; }

    public Tokenizer? Tokenizer { get; }

    internal static LoadedModel Load(ModelFile file, int threads)
    {
        byte[] bytes;
        try
        {
            bytes = System.IO.File.ReadAllBytes(file.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"model {file.Hash}: cannot read {file.Path}: {e.Message}", e);
        }

        if (Keccak256.Hash(bytes) != file.Hash)
        {
            throw new IOException($"model {file.Hash}: {file.Path} changed since the model directory was scanned (its hash differs)");
        }

        try
        {
            return new LoadedModel(file, HqmFormat.Deserialize(bytes), null, threads);
        }
        catch (InvalidDataException e)
        {
            return new LoadedModel(file, null, e.Message, threads);
        }
    }

    /// <summary>A transformer for one call; give it back with <see cref="Return"/>. Its KV cache is overwritten from position 0.</summary>
    public IntegerTransformer Rent() =>
        _idle.TryTake(out IntegerTransformer? transformer) ? transformer : new IntegerTransformer(Model ?? throw new InvalidOperationException(Error), _threads);

    public void Return(IntegerTransformer transformer) => _idle.Add(transformer);

    public void Dispose()
    {
        while (_idle.TryTake(out IntegerTransformer? transformer))
        {
            transformer.Dispose();
        }
    }
}
