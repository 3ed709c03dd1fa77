using System.Collections.Concurrent;
using Parley.Client;
using Parley.Tests.Support;

namespace Parley.Tests.Client;

/// <summary>Closing: cancellable, terminal, and the last word in the client's events.</summary>
public sealed class ClosingTests : IAsyncLifetime
{
    private FakeParleyServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeParleyServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task CloseAsync_with_a_cancelled_token_aborts_the_connection_and_still_closes_the_client()
    {
        var client = NewClient();
        var connection = await ConnectAsync(client);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.CloseAsync(cancelled.Token));

        Assert.Equal(ConnectionState.Closed, client.State);
        await Eventually.TrueAsync(() => connection.Ended, "the server sees the connection end");
        var refused = await Assert.ThrowsAsync<ParleyException>(() => client.PingAsync());
        Assert.Equal(ParleyErrorCodes.Closed, refused.Code);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task No_event_is_raised_once_the_state_is_Closed_even_while_frames_keep_arriving()
    {
        for (var round = 0; round < 5; round++)
        {
            var client = NewClient();
            var afterClosed = new ConcurrentQueue<string>();
            var closedReported = 0;
            client.MessageReceived += _ => Check("message");
            client.ErrorReceived += _ => Check("error");
            client.SignalReceived += _ => Check("signal");
            client.StateChanged += state =>
            {
                Check($"state {state}");
                if (state == ConnectionState.Closed)
                {
                    Volatile.Write(ref closedReported, 1);
                }
            };
            var connection = await ConnectAsync(client);
            await JoinAsync(client, connection, "general");

            using var stop = new CancellationTokenSource();
            var flood = Task.Run(async () =>
            {
                for (var seq = 1; !stop.IsCancellationRequested && !connection.Ended; seq++)
                {
                    try
                    {
                        await connection.SendAsync(Frames.Message("general", seq));
                        await connection.SendAsync("""{"op":"signal","room":"general","from":"carol","body":{}}""");
                        await connection.SendAsync("""{"op":"error","code":"internal","message":"noise"}""");
                    }
                    catch (Exception)
                    {
                        return;
                    }
                }
            });
            await Eventually.TrueAsync(() => client.LastSeq("general") > 20, "messages flow");

            await client.CloseAsync();
            await stop.CancelAsync();
            await flood;

            Assert.Empty(afterClosed);
            Assert.Equal(1, closedReported);
            await client.DisposeAsync();

            void Check(string what)
            {
                // A handler that sees Closed, or runs after Closed was reported, is an event after the close.
                if (Volatile.Read(ref closedReported) == 1 || (what != "state Closed" && client.State == ConnectionState.Closed))
                {
                    afterClosed.Enqueue(what);
                }
            }
        }
    }

    [Fact]
    public async Task A_handler_may_close_the_client_it_handles()
    {
        var client = NewClient();
        Task? closing = null;
        var states = new ConcurrentQueue<ConnectionState>();
        client.StateChanged += states.Enqueue;
        client.MessageReceived += _ => closing ??= client.CloseAsync();
        var connection = await ConnectAsync(client);
        await JoinAsync(client, connection, "general");

        await connection.SendAsync(Frames.Message("general", 1));

        await Eventually.TrueAsync(() => closing is not null, "the handler closes the client");
        await Eventually.WithinAsync(Completion(closing!), "the close started by the handler");
        Assert.Equal(ConnectionState.Closed, client.State);
        Assert.Equal(ConnectionState.Closed, states.Last());
        await client.DisposeAsync();
    }

    private ParleyClient NewClient() => new(new ParleyClientOptions
    {
        Url = _server.Url,
        TokenProvider = _ => ValueTask.FromResult("token"),
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(1),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(5),
    });

    private async Task<FakeConnection> ConnectAsync(ParleyClient client)
    {
        var connecting = client.ConnectAsync();
        var (connection, _) = await _server.AcceptConnectedAsync();
        await Eventually.WithinAsync(Completion(connecting), "ConnectAsync to return");
        return connection;
    }

    private static async Task JoinAsync(ParleyClient client, FakeConnection connection, string room)
    {
        var joining = client.JoinAsync(room);
        var join = await connection.ReceiveAsync("join");
        await connection.SendAsync(Frames.Joined(Frames.Rid(join), room, head: 0));
        await Eventually.WithinAsync(joining, $"the join of {room}");
    }

    private static async Task<bool> Completion(Task task)
    {
        await task;
        return true;
    }
}
