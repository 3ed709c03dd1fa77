using Parley.Client;
using Parley.Examples;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>The SDK's message stream and quick start against a real node: read in the documented order, nothing is missed.</summary>
public sealed class SdkMessageStreamTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(new Dictionary<string, string?>
    {
        ["Parley:Limits:PublishesPerSecond"] = "100000",
        ["Parley:Limits:PublishBurst"] = "100000",
        ["Parley:Limits:OutboundQueueFrames"] = "64",
    });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task Messages_read_after_connecting_joining_and_sending_include_the_message_sent()
    {
        await using var client = Client("late-reader");
        await client.ConnectAsync();
        await client.JoinAsync("stream-late");
        var ack = await client.SendAsync("stream-late", new { text = "hi" });
        await Eventually.TrueAsync(() => client.LastSeq("stream-late") == ack.Seq, "the message is delivered before anyone reads");

        var first = await Eventually.WithinAsync(client.Messages.ReadAsync().AsTask(), "the message sent before reading");

        Assert.Equal(ack.Seq, first.Seq);
    }

    [Fact]
    public async Task The_quick_start_receives_its_room_message_and_its_direct_message()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var received = await QuickStart.RunAsync(_node.WebSocketUri, _ => ValueTask.FromResult(TestNode.Token("acme", "qs-alice")), "qs-bob", deadline.Token);

        Assert.Equal(2, received.Count);
        var room = Assert.Single(received, m => m.Room == "general");
        var direct = Assert.Single(received, m => m.IsDirect);
        Assert.Equal("hello", room.Body.GetProperty("text").GetString());
        Assert.Equal("qs-bob", direct.To);
        Assert.Equal("qs-alice", direct.From);
    }

    [Fact]
    public void The_quick_start_in_the_docs_is_the_code_the_tests_run()
    {
        var root = RepositoryRoot();
        var example = File.ReadAllText(Path.Combine(root, "examples", "Parley.Client.QuickStart", "QuickStart.cs"));
        var page = File.ReadAllText(Path.Combine(root, "docs", "dotnet-sdk.md"));
        const string Marker = "<!-- examples/Parley.Client.QuickStart/QuickStart.cs -->\n```csharp\n";

        var start = page.IndexOf(Marker, StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/dotnet-sdk.md has no block marked with the example's path.");
        start += Marker.Length;
        var end = page.IndexOf("\n```\n", start, StringComparison.Ordinal);
        Assert.Equal(example.ReplaceLineEndings("\n").TrimEnd('\n'), page[start..end]);
    }

    [Fact]
    public async Task A_stream_nobody_reads_stalls_the_connection_and_the_resume_delivers_every_message_once()
    {
        await using var writer = Client("stream-firehose");
        await writer.ConnectAsync();
        await using var reader = Client("stream-sloth", bufferLimit: 16);
        var states = new List<ConnectionState>();
        reader.StateChanged += s => { lock (states) { states.Add(s); } };
        await reader.ConnectAsync();
        await reader.JoinAsync("stream-stall");

        var body = new string('y', 12_000);
        for (var n = 0; n < 600; n++)
        {
            await writer.SendAsync("stream-stall", body);
        }

        var seqs = new List<long>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var message in reader.ReadMessagesAsync(deadline.Token))
        {
            seqs.Add(message.Seq);
            if (seqs.Count == 600)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(1, 600).Select(i => (long)i), seqs);
        lock (states)
        {
            Assert.Contains(ConnectionState.Reconnecting, states);
        }
    }

    private ParleyClient Client(string user, int bufferLimit = 10_000) => new(new ParleyClientOptions
    {
        Url = _node.WebSocketUri,
        TokenProvider = _ => ValueTask.FromResult(TestNode.Token("acme", user)),
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        RequestTimeout = TimeSpan.FromSeconds(20),
        BufferMessages = true,
        MessageBufferLimit = bufferLimit,
    });

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Parley.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Parley.sln not found above " + AppContext.BaseDirectory);
    }
}
