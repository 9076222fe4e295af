using System.Globalization;
using System.Net;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Rollup.Blobs;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.L1;

/// <summary>
/// Where blobs come from. A reader returns the blobs it was given for the versioned hashes, in the order asked,
/// unchecked: <see cref="JsonRpcL1Source"/> checks each against its hash.
/// </summary>
public interface IBlobReader
{
    /// <exception cref="L1SourceException">The blobs could not be read or a hash has no blob.</exception>
    Task<IReadOnlyList<byte[]>> ReadAsync(BlockHeader header, IReadOnlyList<Hash256> versionedHashes, CancellationToken cancellation);
}

/// <summary>anvil's blob store: <c>anvil_getBlobByHash(versionedHash)</c> on the L1 JSON-RPC endpoint.</summary>
public sealed class AnvilBlobReader(IJsonRpc l1) : IBlobReader
{
    public async Task<IReadOnlyList<byte[]>> ReadAsync(BlockHeader header, IReadOnlyList<Hash256> versionedHashes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(versionedHashes);
        var blobs = new byte[versionedHashes.Count][];
        for (int i = 0; i < blobs.Length; i++)
        {
            JToken? result;
            try
            {
                result = await l1.CallAsync("anvil_getBlobByHash", [versionedHashes[i].ToString()], cancellation).ConfigureAwait(false);
            }
            catch (JsonRpcCallException e)
            {
                throw new L1SourceException($"blob {versionedHashes[i]} of L1 block {header.Number}: {e.Message}" +
                    (e.IsMethodNotFound ? " (the L1 node is not anvil: give its beacon API with --l1-beacon)" : ""), e);
            }

            blobs[i] = result is JValue { Type: JTokenType.String } text
                ? Hyperion.Rpc.EthJson.ParseData((string)text!)
                : throw new L1SourceException($"blob {versionedHashes[i]} of L1 block {header.Number}: anvil does not have it");
        }

        return blobs;
    }
}

/// <summary>
/// A beacon node's API: the slot of an L1 block from its timestamp, the beacon genesis time and the seconds per slot,
/// then <c>/eth/v1/beacon/blob_sidecars/{slot}</c> (or, where a node has retired that, <c>/eth/v1/beacon/blobs/{slot}</c>).
/// </summary>
public sealed class BeaconBlobReader : IBlobReader
{
    private readonly Uri _beacon;
    private readonly HttpClient _http;
    private (ulong GenesisTime, ulong SecondsPerSlot)? _clock;

    public BeaconBlobReader(Uri beacon, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(beacon);
        // A base with a trailing slash, so that relative API paths keep any path prefix of the URL.
        _beacon = beacon.AbsoluteUri.EndsWith('/') ? beacon : new Uri(beacon.AbsoluteUri + "/");
        _http = http;
    }

    public async Task<IReadOnlyList<byte[]>> ReadAsync(BlockHeader header, IReadOnlyList<Hash256> versionedHashes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(versionedHashes);
        ulong slot = await SlotOfAsync(header, cancellation).ConfigureAwait(false);
        var found = new Dictionary<Hash256, byte[]>();
        (HttpStatusCode status, JToken? sidecars, string error) = await GetAsync($"eth/v1/beacon/blob_sidecars/{slot}", cancellation).ConfigureAwait(false);
        if (sidecars is not null)
        {
            foreach (JToken sidecar in RpcObjects.Array(sidecars, "data"))
            {
                byte[] commitment = RpcObjects.Data(sidecar, "kzg_commitment");
                found[Kzg.VersionedHash(commitment)] = RpcObjects.Data(sidecar, "blob");
            }
        }
        else if (status is HttpStatusCode.Gone or HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.MethodNotAllowed)
        {
            // Nodes past Fulu serve blobs by versioned hash instead; each is checked against its hash by the caller.
            string query = string.Join(",", versionedHashes.Select(h => h.ToString()));
            (_, JToken? blobs, string error2) = await GetAsync($"eth/v1/beacon/blobs/{slot}?versioned_hashes={query}", cancellation).ConfigureAwait(false);
            if (blobs is null)
            {
                throw new L1SourceException($"blobs of L1 block {header.Number} (slot {slot}): {error}; {error2}");
            }

            JArray data = RpcObjects.Array(blobs, "data");
            if (data.Count != versionedHashes.Count)
            {
                throw new L1SourceException($"blobs of L1 block {header.Number} (slot {slot}): asked for {versionedHashes.Count}, the beacon node returned {data.Count}");
            }

            return [.. data.Select(b => Hyperion.Rpc.EthJson.ParseData((string?)b ?? throw new L1SourceException("beacon API: a blob is not a string")))];
        }
        else
        {
            throw new L1SourceException($"blob sidecars of L1 block {header.Number} (slot {slot}): {error}");
        }

        var result = new byte[versionedHashes.Count][];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = found.TryGetValue(versionedHashes[i], out byte[]? blob)
                ? blob
                : throw new L1SourceException($"L1 block {header.Number} (slot {slot}): the beacon node has no blob sidecar for {versionedHashes[i]}");
        }

        return result;
    }

    private async Task<ulong> SlotOfAsync(BlockHeader header, CancellationToken cancellation)
    {
        if (_clock is null)
        {
            (_, JToken? genesis, string error) = await GetAsync("eth/v1/beacon/genesis", cancellation).ConfigureAwait(false);
            (_, JToken? spec, string error2) = await GetAsync("eth/v1/config/spec", cancellation).ConfigureAwait(false);
            if (genesis?["data"] is not JToken g || spec?["data"] is not JToken s)
            {
                throw new L1SourceException($"beacon API at {_beacon}: genesis or spec unavailable ({error}; {error2})");
            }

            if (!ulong.TryParse((string?)g["genesis_time"], NumberStyles.None, CultureInfo.InvariantCulture, out ulong genesisTime) ||
                !ulong.TryParse((string?)s["SECONDS_PER_SLOT"], NumberStyles.None, CultureInfo.InvariantCulture, out ulong secondsPerSlot) || secondsPerSlot == 0)
            {
                throw new L1SourceException($"beacon API at {_beacon}: genesis_time or SECONDS_PER_SLOT is not a number");
            }

            _clock = (genesisTime, secondsPerSlot);
        }

        (ulong start, ulong perSlot) = _clock.Value;
        if (header.Timestamp < start || (header.Timestamp - start) % perSlot != 0)
        {
            throw new L1SourceException($"L1 block {header.Number}: timestamp {header.Timestamp} is not a slot time of the beacon chain at {_beacon} (genesis {start}, {perSlot} s slots)");
        }

        return (header.Timestamp - start) / perSlot;
    }

    private async Task<(HttpStatusCode Status, JToken? Body, string Error)> GetAsync(string path, CancellationToken cancellation)
    {
        var url = new Uri(_beacon, path);
        try
        {
            using HttpResponseMessage response = await _http.GetAsync(url, cancellation).ConfigureAwait(false);
            string body = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (response.StatusCode, null, $"GET {url.AbsolutePath}: HTTP {(int)response.StatusCode} {Truncate(body)}");
            }

            return (response.StatusCode, JToken.Parse(body), "");
        }
        catch (Exception e) when (e is HttpRequestException or Newtonsoft.Json.JsonException or TaskCanceledException && !cancellation.IsCancellationRequested)
        {
            throw new L1SourceException($"beacon API GET {url}: {e.Message}", e);
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
