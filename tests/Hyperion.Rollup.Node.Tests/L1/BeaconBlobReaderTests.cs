using System.Net;
using System.Net.Sockets;
using System.Text;
using Hyperion.Core;
using Hyperion.Core.Blocks;
using Hyperion.Rollup.Blobs;
using Hyperion.Rollup.Node.L1;
using Hyperion.Rollup.Node.Tests.Batcher;
using Newtonsoft.Json.Linq;

namespace Hyperion.Rollup.Node.Tests.L1;

/// <summary>
/// The beacon API reader against a local HTTP server: the slot from the block's timestamp, sidecars matched by their
/// commitments' versioned hashes, the /blobs fallback where blob_sidecars is retired, and the source's KZG check.
/// </summary>
public sealed class BeaconBlobReaderTests
{
    private const ulong GenesisTime = 1_606_824_023;
    private static readonly Lazy<KzgSetup> Setup = new(() => TrustedSetupFile.Load());

    [TrustedSetupFact]
    public async Task Blobs_come_from_the_sidecars_of_the_blocks_slot_or_from_blobs_where_sidecars_are_retired()
    {
        byte[] blob = BlobCodec.Encode("frames in a blob"u8);
        byte[] commitment = Kzg.BlobToCommitment(blob, Setup.Value);
        Hash256 hash = Kzg.VersionedHash(commitment);
        byte[] other = BlobCodec.Encode("another rollup's blob"u8);
        byte[] otherCommitment = Kzg.BlobToCommitment(other, Setup.Value);
        var header = new BlockHeader { ParentHash = Hash256.Zero, Number = 77, Timestamp = GenesisTime + (12 * 1234) };

        foreach (bool retired in new[] { false, true })
        {
            var paths = new List<string>();
            using var server = new FakeBeacon(path =>
            {
                paths.Add(path);
                return path switch
                {
                    "/eth/v1/beacon/genesis" => (200, new JObject { ["data"] = new JObject { ["genesis_time"] = GenesisTime.ToString(System.Globalization.CultureInfo.InvariantCulture) } }.ToString()),
                    "/eth/v1/config/spec" => (200, new JObject { ["data"] = new JObject { ["SECONDS_PER_SLOT"] = "12" } }.ToString()),
                    "/eth/v1/beacon/blob_sidecars/1234" when !retired => (200, new JObject
                    {
                        ["data"] = new JArray(
                            new JObject { ["index"] = "0", ["blob"] = Hex.Encode(other), ["kzg_commitment"] = Hex.Encode(otherCommitment) },
                            new JObject { ["index"] = "1", ["blob"] = Hex.Encode(blob), ["kzg_commitment"] = Hex.Encode(commitment) }),
                    }.ToString()),
                    "/eth/v1/beacon/blob_sidecars/1234" => (410, """{"code":410,"message":"deprecated"}"""),
                    "/eth/v1/beacon/blobs/1234" when retired => (200, new JObject { ["data"] = new JArray(Hex.Encode(blob)) }.ToString()),
                    _ => (404, """{"code":404,"message":"not found"}"""),
                };
            });
            using var http = new HttpClient();
            var source = new JsonRpcL1Source(new FakeL1(), new BeaconBlobReader(server.Url, http), () => Setup.Value);
            IReadOnlyList<byte[]> blobs = await source.BlobsAsync(header, [hash], CancellationToken.None);
            Assert.Equal(blob, blobs[0]);
            Assert.Contains("/eth/v1/beacon/blob_sidecars/1234", paths);

            // A block whose time is not a slot time of this beacon chain, and a hash the slot has no blob for.
            await Assert.ThrowsAsync<L1SourceException>(() => source.BlobsAsync(new BlockHeader { ParentHash = Hash256.Zero, Number = 77, Timestamp = header.Timestamp + 1 }, [hash], CancellationToken.None));
            if (!retired)
            {
                await Assert.ThrowsAsync<L1SourceException>(() => source.BlobsAsync(header, [TestL2Chain.HashOf("no blob", 1)], CancellationToken.None));
            }
        }
    }

    [Fact]
    public async Task An_unreachable_beacon_node_is_an_L1SourceException()
    {
        using var http = new HttpClient();
        var source = new JsonRpcL1Source(new FakeL1(), new BeaconBlobReader(new Uri("http://127.0.0.1:1/prefix"), http), () => throw new InvalidOperationException("not needed"));
        var header = new BlockHeader { ParentHash = Hash256.Zero, Number = 1, Timestamp = GenesisTime };
        await Assert.ThrowsAsync<L1SourceException>(() => source.BlobsAsync(header, [Hash256.Zero], CancellationToken.None));
    }

    /// <summary>A beacon node answering GETs with (status, JSON) by path.</summary>
    private sealed class FakeBeacon : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;

        public FakeBeacon(Func<string, (int Status, string Body)> answer)
        {
            int port;
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }

            Url = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _serving = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception) when (!_listener.IsListening)
                    {
                        return;
                    }

                    (int status, string body) = answer(context.Request.Url!.AbsolutePath);
                    byte[] bytes = Encoding.UTF8.GetBytes(body);
                    context.Response.StatusCode = status;
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(bytes);
                    context.Response.Close();
                }
            });
        }

        public Uri Url { get; }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }
    }
}
