using System.Net.WebSockets;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Auth;
using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Connections;
using Parley.Node.Limits;
using Parley.Node.Options;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Micro;

/// <summary>
/// What an embedded node does for one connect and close besides verifying the token
/// (<see cref="TokenBenchmarks"/>): parse the <c>connect</c> frame, attach the user's inbox
/// (through the real dispatcher, in-process broker and SQLite store), encode <c>connected</c>,
/// and leave the inbox again on close. <see cref="StreamLingerSeconds"/> 0 is the node before
/// <c>Store:StreamLinger</c> (every connect set the inbox's stream up again: a subscribe and a
/// head read from SQLite); 10 is its default, where a user who connected in the last ten seconds
/// finds the stream still there.
/// </summary>
public class ConnectBenchmarks
{
    private static readonly byte[] ConnectFrame = Encoding.UTF8.GetBytes(
        """{"op":"connect","token":"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0ZW5hbnQiOiJhY21lIiwic3ViIjoiYWxpY2UifQ.c2lnbmF0dXJlLW9mLXRoZS1iZW5jaG1hcmstdG9rZW4"}""");

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-micro-connect-" + Guid.NewGuid().ToString("N"));
    private SqliteMessageStore _store = null!;
    private MemoryBroker _broker = null!;
    private DeliveryMetrics _deliveryMetrics = null!;
    private ConnectionMetrics _connectionMetrics = null!;
    private StreamDispatcher _dispatcher = null!;
    private ClientConnection _connection = null!;
    private WebSocket _socket = null!;
    private StreamId _inbox = null!;

    [Params(0, 10)]
    public int StreamLingerSeconds { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Directory.CreateDirectory(_directory);
        _store = SqliteMessageStore.OpenAsync(Path.Combine(_directory, "parley.db"), CancellationToken.None).GetAwaiter().GetResult();
        _broker = new MemoryBroker();
        _deliveryMetrics = new DeliveryMetrics();
        _connectionMetrics = new ConnectionMetrics();
        var options = new ParleyOptions();
        options.Store.StreamLinger = TimeSpan.FromSeconds(StreamLingerSeconds);
        _dispatcher = new StreamDispatcher(_broker, _store, new NodeIdentity("n-micro", DateTimeOffset.UtcNow, NodeMode.Embedded), _deliveryMetrics,
            NullLogger<StreamDispatcher>.Instance, Microsoft.Extensions.Options.Options.Create(options));
        _socket = WebSocket.CreateFromStream(Stream.Null, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var principal = new Principal("acme", "alice", RoomPatterns.All, new HashSet<string>(), DateTimeOffset.MaxValue);
        _connection = new ClientConnection("c-0123456789abcdef", _socket, principal, 1024, new TokenBucket(1000, 1000), _connectionMetrics);
        _inbox = StreamId.User("acme", "alice");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _socket.Dispose();
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _broker.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _deliveryMetrics.Dispose();
        _connectionMetrics.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The <c>connect</c> frame as the read loop hands it over.</summary>
    [Benchmark]
    public bool ParseConnect() => ClientFrameParser.TryParse(ConnectFrame, out var frame) && frame!.Op == ClientOp.Connect;

    /// <summary>The <c>connected</c> reply.</summary>
    [Benchmark]
    public byte[] EncodeConnected()
        => ServerFrames.Connected("c-0123456789abcdef", "n-micro", "acme", "alice", TimeSpan.FromSeconds(25), Samples.Timestamp, 0);

    /// <summary>A returning user's inbox attached at connect and left at close.</summary>
    [Benchmark]
    public async Task AttachAndLeaveInbox()
    {
        var subscription = new StreamSubscription(_connection, _inbox);
        await _dispatcher.JoinAsync(subscription, since: null, static _ => { }, CancellationToken.None);
        await _dispatcher.LeaveAsync(subscription);
    }
}
