using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Client;
using Parley.Server.Cluster.Local;
using Xunit.Abstractions;

namespace Parley.Tests.Support;

/// <summary>
/// A steady publish stream into one room with a subscriber on every node, while a fault is
/// injected: the harness of the cluster fault tests. It records what was published, acknowledged
/// and refused, what each subscriber received (after the SDK's de-duplication) and when, and
/// which health states a surviving node reported.
/// </summary>
internal sealed class SteadyStream
{
    private const string Room = "steady";
    private readonly LocalCluster _cluster;
    private readonly ITestOutputHelper _output;
    private readonly ConcurrentDictionary<string, long> _sentAt = new();
    private readonly ConcurrentDictionary<string, long> _acked = new();
    private readonly ConcurrentQueue<string> _healthSeen = new();
    private readonly List<Subscriber> _subscribers = [];
    private int _refused;

    public SteadyStream(LocalCluster cluster, ITestOutputHelper output)
    {
        _cluster = cluster;
        _output = output;
    }

    /// <summary>Health statuses a surviving node reported while the stream ran.</summary>
    public IReadOnlyCollection<string> HealthSeen => [.. _healthSeen];

    /// <summary>
    /// Publishes <paramref name="count"/> messages at about <paramref name="perSecond"/>, runs
    /// <paramref name="fault"/> after the first third, then waits until every subscriber holds
    /// every acknowledged message, and checks and prints the figures.
    /// </summary>
    public async Task RunAsync(string name, Func<Task> fault, LocalNode healthWatch, int count = 300, int perSecond = 60)
    {
        var clock = Stopwatch.StartNew();
        // Subscribers connect through the proxy, which spreads them one per node (least
        // connections) and sends a subscriber whose node dies to a live one.
        foreach (var i in Enumerable.Range(0, _cluster.Nodes.Count))
        {
            var subscriber = new Subscriber(Client(_cluster.Proxy.WebSocketUri, $"sub-{i}"), clock);
            await subscriber.Client.ConnectAsync();
            await subscriber.Client.JoinAsync(Room);
            _subscribers.Add(subscriber);
        }

        foreach (var node in _cluster.Nodes)
        {
            await Eventually.TrueAsync(async () => await ConnectionsAsync(node) > 0, $"{node.NodeId} has a subscriber");
        }

        await using var publisher = Client(_cluster.Proxy.WebSocketUri, "publisher");
        await publisher.ConnectAsync();
        using var watching = new CancellationTokenSource();
        var watcher = WatchHealthAsync(healthWatch, watching.Token);

        Task? faultTask = null;
        var interval = TimeSpan.FromSeconds(1.0 / perSecond);
        var sends = new List<Task>();
        for (var n = 0; n < count; n++)
        {
            if (n == count / 3)
            {
                faultTask = Task.Run(fault);
            }

            var id = $"s-{n}";
            _sentAt[id] = clock.ElapsedMilliseconds;
            sends.Add(SendAsync(publisher, id, n));

            // Pacing of the stream, not a wait for a condition.
            await Task.Delay(interval);
        }

        await Task.WhenAll(sends);
        await faultTask!;
        foreach (var subscriber in _subscribers)
        {
            await Eventually.TrueAsync(() => _acked.Keys.All(subscriber.Received.ContainsKey), $"{subscriber.Name} holds every acknowledged message", TimeSpan.FromSeconds(60));
        }

        await Eventually.TrueAsync(async () => await HealthAsync(healthWatch) == "ok", "health is ok again", TimeSpan.FromSeconds(30));
        watching.Cancel();
        await watcher;
        Report(name, count);
        foreach (var subscriber in _subscribers)
        {
            await subscriber.Client.DisposeAsync();
        }
    }

    private void Report(string name, int count)
    {
        var lost = _subscribers.Sum(s => _acked.Keys.Count(id => !s.Received.ContainsKey(id)));
        var duplicates = _subscribers.Sum(s => s.Client.DuplicatesDropped);
        var worst = _subscribers.SelectMany(s => s.Received.Where(r => _acked.ContainsKey(r.Key)).Select(r => r.Value - _sentAt[r.Key])).DefaultIfEmpty(0).Max();
        var delivered = string.Join(", ", _subscribers.Select(s => $"{s.Name}={s.Received.Count}"));
        var line = $"fault {name}: published {count}, acknowledged {_acked.Count}, refused {_refused}, delivered [{delivered}], lost {lost}, duplicates removed by the client {duplicates}, worst delivery delay {worst} ms, health seen [{string.Join(", ", HealthSeen.Distinct())}]";
        _output.WriteLine(line);
        Console.WriteLine(line);

        Assert.Equal(0, lost);
        Assert.Equal(count, _acked.Count + _refused);
        foreach (var subscriber in _subscribers)
        {
            // Per subscriber: strictly increasing sequences, and an acknowledged id always at its acknowledged sequence.
            Assert.Equal(subscriber.Seqs.Order(), subscriber.Seqs);
            Assert.Equal(subscriber.Seqs.Count, subscriber.Seqs.Distinct().Count());
            foreach (var (id, seq) in _acked)
            {
                Assert.Equal(seq, subscriber.SeqOf[id]);
            }
        }
    }

    private async Task SendAsync(ParleyClient publisher, string id, int n)
    {
        try
        {
            var result = await publisher.SendAsync(Room, n, messageId: id);
            _acked[id] = result.Seq;
        }
        catch (Exception e) when (e is ParleyException or TimeoutException)
        {
            Interlocked.Increment(ref _refused);
        }
    }

    private async Task WatchHealthAsync(LocalNode node, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            _healthSeen.Enqueue(await HealthAsync(node));
            try
            {
                await Task.Delay(200, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<int> ConnectionsAsync(LocalNode node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var health = await http.GetFromJsonAsync<JsonElement>(new Uri(node.HttpUri, "/api/v1/health"));
        return health.GetProperty("connections").GetInt32();
    }

    private static async Task<string> HealthAsync(LocalNode node)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            var health = await http.GetFromJsonAsync<JsonElement>(new Uri(node.HttpUri, "/api/v1/health"));
            return health.GetProperty("status").GetString()!;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return "unreachable";
        }
    }

    private ParleyClient Client(Uri url, string user) => new(new ParleyClientOptions
    {
        Url = url,
        TokenProvider = _ => ValueTask.FromResult(_cluster.Token("acme", user)),
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(50),
        ReconnectMaxDelay = TimeSpan.FromSeconds(1),
        RequestTimeout = TimeSpan.FromSeconds(30),
    });

    private sealed class Subscriber
    {
        private readonly List<long> _seqs = [];

        public Subscriber(ParleyClient client, Stopwatch clock)
        {
            Client = client;
            client.MessageReceived += m =>
            {
                lock (_seqs)
                {
                    _seqs.Add(m.Seq);
                }

                SeqOf[m.Id] = m.Seq;
                Received[m.Id] = clock.ElapsedMilliseconds;
            };
            client.StateChanged += _ =>
            {
                if (client.SessionInfo?.Node is { } node)
                {
                    FirstNode ??= node;
                    LastNode = node;
                }
            };
        }

        public ParleyClient Client { get; }

        /// <summary>
        /// The node it first connected to, and where it ended when it moved (its node died): one
        /// subscriber per node at the start, so the summary names each node once.
        /// </summary>
        public string Name => FirstNode is null ? "subscriber" : LastNode == FirstNode ? FirstNode : $"{FirstNode}->{LastNode}";

        private string? FirstNode { get; set; }

        private string? LastNode { get; set; }

        public ConcurrentDictionary<string, long> Received { get; } = new();

        public ConcurrentDictionary<string, long> SeqOf { get; } = new();

        public IReadOnlyList<long> Seqs
        {
            get
            {
                lock (_seqs)
                {
                    return [.. _seqs];
                }
            }
        }
    }
}
