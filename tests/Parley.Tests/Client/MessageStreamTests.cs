using System.Collections.Concurrent;
using Parley.Client;
using Parley.Tests.Support;

namespace Parley.Tests.Client;

/// <summary>The message stream: kept from construction, read with await foreach, bounded by backpressure, opt-in.</summary>
public sealed class MessageStreamTests : IAsyncLifetime
{
    private FakeParleyServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeParleyServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Messages_that_arrive_before_anyone_reads_are_read_with_await_foreach()
    {
        await using var client = NewClient();
        var connection = await ConnectAsync(client);
        foreach (var seq in new long[] { 1, 2, 3 })
        {
            await connection.SendAsync(Frames.Message("general", seq));
        }

        await Eventually.TrueAsync(() => client.LastSeq("general") == 3, "every message is delivered before anyone reads");
        var read = new List<long>();
        await foreach (var message in client.ReadMessagesAsync())
        {
            read.Add(message.Seq);
            if (read.Count == 3)
            {
                break;
            }
        }

        Assert.Equal([1, 2, 3], read);
    }

    [Fact]
    public async Task A_full_stream_holds_the_connection_until_the_application_reads_and_loses_nothing()
    {
        await using var client = NewClient(bufferLimit: 2);
        var errors = new ConcurrentQueue<ParleyError>();
        client.ErrorReceived += errors.Enqueue;
        var connection = await ConnectAsync(client);

        for (var seq = 1; seq <= 6; seq++)
        {
            await connection.SendAsync(Frames.Message("general", seq));
        }

        await Eventually.TrueAsync(() => errors.Any(e => e.Code == ParleyClientErrorCodes.MessageBufferFull), "the full stream is reported");
        Assert.Equal(2, client.Messages.Count);
        var pinging = client.PingAsync();
        var read = new List<long>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var message in client.ReadMessagesAsync(deadline.Token))
        {
            read.Add(message.Seq);
            if (read.Count == 6)
            {
                break;
            }
        }

        Assert.Equal([1, 2, 3, 4, 5, 6], read);
        var ping = await connection.ReceiveAsync("ping");
        await connection.SendAsync($$"""{"op":"pong","rid":{{Frames.Rid(ping)}}}""");
        await Eventually.WithinAsync(Completion(pinging), "the ping sent while the stream was full");
    }

    [Fact]
    public async Task Reading_the_stream_ends_when_the_client_closes_after_the_held_messages()
    {
        var client = NewClient();
        var connection = await ConnectAsync(client);
        await connection.SendAsync(Frames.Message("general", 1));
        await Eventually.TrueAsync(() => client.LastSeq("general") == 1, "the message is delivered");

        await client.CloseAsync();
        var read = new List<long>();
        await foreach (var message in client.ReadMessagesAsync())
        {
            read.Add(message.Seq);
        }

        Assert.Equal([1], read);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Cancelling_a_read_ends_it_and_a_later_read_continues_where_it_stopped()
    {
        await using var client = NewClient();
        var connection = await ConnectAsync(client);
        using var cancel = new CancellationTokenSource();

        var reading = Task.Run(async () =>
        {
            await foreach (var unused in client.ReadMessagesAsync(cancel.Token))
            {
            }
        });
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.WithinAsync(Completion(reading), "the cancelled read to end"));
        await connection.SendAsync(Frames.Message("general", 7));

        var next = await Eventually.WithinAsync(client.Messages.ReadAsync().AsTask(), "the message after the cancelled read");
        Assert.Equal(7, next.Seq);
    }

    [Fact]
    public async Task Without_BufferMessages_reading_the_stream_throws_and_the_event_still_delivers()
    {
        await using var client = new ParleyClient(new ParleyClientOptions { Url = _server.Url, TokenProvider = _ => ValueTask.FromResult("token") });
        var events = new ConcurrentQueue<long>();
        client.MessageReceived += m => events.Enqueue(m.Seq);

        var refused = Assert.Throws<InvalidOperationException>(() => client.ReadMessagesAsync());
        Assert.Throws<InvalidOperationException>(() => client.Messages);
        var connection = await ConnectAsync(client);
        await connection.SendAsync(Frames.Message("general", 1));

        Assert.Contains(nameof(ParleyClientOptions.BufferMessages), refused.Message, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => events.Count == 1, "the event delivers the message");
    }

    private ParleyClient NewClient(int bufferLimit = 10_000) => new(new ParleyClientOptions
    {
        Url = _server.Url,
        TokenProvider = _ => ValueTask.FromResult("token"),
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(1),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(5),
        BufferMessages = true,
        MessageBufferLimit = bufferLimit,
    });

    private async Task<FakeConnection> ConnectAsync(ParleyClient client)
    {
        var connecting = client.ConnectAsync();
        var (connection, _) = await _server.AcceptConnectedAsync();
        await Eventually.WithinAsync(Completion(connecting), "ConnectAsync to return");
        return connection;
    }

    private static async Task<bool> Completion(Task task)
    {
        await task;
        return true;
    }
}
