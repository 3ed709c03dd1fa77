using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Parley.Client;
using Parley.Tests.Support;

namespace Parley.Tests.Client;

/// <summary>The client against a scripted server: acks, de-duplication, resume, close codes, hints, re-sends.</summary>
public sealed class ParleyClientTests : IAsyncLifetime
{
    private FakeParleyServer _server = null!;
    private int _tokensIssued;

    public async Task InitializeAsync() => _server = await FakeParleyServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ConnectAsync_returns_after_connected_and_reports_the_session()
    {
        await using var client = NewClient();
        var connecting = client.ConnectAsync();
        var (_, connect) = await _server.AcceptConnectedAsync(inboxHead: 14);
        await Eventually.WithinAsync(Completion(connecting), "ConnectAsync to return");

        Assert.Equal("token-1", connect.GetProperty("token").GetString());
        Assert.False(connect.TryGetProperty("resume", out _));
        Assert.False(connect.TryGetProperty("inbox", out _));
        Assert.Equal(ConnectionState.Connected, client.State);
        Assert.Equal("alice", client.SessionInfo!.User);
        Assert.Equal(14, client.InboxSeq);
    }

    [Fact]
    public async Task SendAsync_returns_the_acked_sequence()
    {
        await using var client = NewClient();
        var connection = await ConnectAsync(client);

        var sending = client.SendAsync("general", new { Text = "hi" }, "c-7f3a");
        var send = await connection.ReceiveAsync("send");
        Assert.Equal("general", send.GetProperty("room").GetString());
        Assert.Equal("c-7f3a", send.GetProperty("id").GetString());
        Assert.Equal("hi", send.GetProperty("body").GetProperty("text").GetString());
        Assert.False(sending.IsCompleted);

        await connection.SendAsync(Frames.Ack(Frames.Rid(send), "general", "c-7f3a", 58));
        var result = await Eventually.WithinAsync(sending, "the ack to complete SendAsync");

        Assert.Equal(58, result.Seq);
        Assert.Equal("c-7f3a", result.MessageId);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 14, 5, 9, 123, TimeSpan.Zero), result.Timestamp);
        Assert.False(result.Duplicate);
    }

    [Fact]
    public async Task SendAsync_without_an_id_generates_a_valid_unique_one()
    {
        await using var client = NewClient();
        var connection = await ConnectAsync(client);

        var first = client.SendDirectAsync("bob", new { Text = "one" });
        var firstFrame = await connection.ReceiveAsync("send");
        var second = client.SendDirectAsync("bob", new { Text = "two" });
        var secondFrame = await connection.ReceiveAsync("send");

        var firstId = firstFrame.GetProperty("id").GetString()!;
        Assert.Equal("bob", firstFrame.GetProperty("to").GetString());
        Assert.False(firstFrame.TryGetProperty("room", out _));
        Assert.NotEqual(firstId, secondFrame.GetProperty("id").GetString());
        Assert.Matches("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$", firstId);
        Assert.True(Frames.Rid(secondFrame) > Frames.Rid(firstFrame));
        await connection.SendAsync(Frames.Ack(Frames.Rid(firstFrame), "ignored", firstId, 3));
        Assert.Equal(firstId, (await Eventually.WithinAsync(first, "the first ack")).MessageId);
        Assert.False(second.IsCompleted);
    }

    [Fact]
    public async Task History_presence_and_signals_travel_both_ways()
    {
        await using var client = NewClient();
        var signals = new ConcurrentQueue<ParleySignal>();
        var presence = new ConcurrentQueue<PresenceChange>();
        client.SignalReceived += signals.Enqueue;
        client.PresenceChanged += presence.Enqueue;
        var connection = await ConnectAsync(client);

        var paging = client.HistoryAsync("general", before: 40, limit: 2);
        var history = await connection.ReceiveAsync("history");
        Assert.Equal(40, history.GetProperty("before").GetInt64());
        await connection.SendAsync($$$"""{"op":"history","rid":{{{Frames.Rid(history)}}},"room":"general","head":58,"first":1,"messages":[{"seq":38,"id":"a","from":"bob","ts":"{{{Frames.Timestamp}}}","body":1},{"seq":39,"id":"b","from":"bob","ts":"{{{Frames.Timestamp}}}","body":2}]}""");
        var page = await Eventually.WithinAsync(paging, "the history page");

        var listing = client.PresenceAsync("general");
        var request = await connection.ReceiveAsync("presence");
        await connection.SendAsync($$"""{"op":"presence","rid":{{Frames.Rid(request)}},"room":"general","users":["alice","carol"]}""");
        var users = await Eventually.WithinAsync(listing, "the presence list");

        await client.SignalAsync("general", new { Typing = true });
        var signal = await connection.ReceiveAsync("signal");
        await connection.SendAsync("""{"op":"signal","room":"general","from":"carol","body":{"typing":true}}""");
        await connection.SendAsync("""{"op":"presence","room":"general","joined":["dave"],"left":["carol"]}""");

        Assert.Equal([38L, 39L], page.Messages.Select(m => m.Seq));
        Assert.Equal(0, client.LastSeq("general"));
        Assert.Equal(["alice", "carol"], users);
        Assert.True(signal.GetProperty("body").GetProperty("typing").GetBoolean());
        await Eventually.TrueAsync(() => signals.Count == 1 && presence.Count == 1, "the signal and the presence change arrive");
        Assert.Equal("carol", signals.Single().From);
        Assert.Equal(["dave"], presence.Single().Joined);
    }

    [Fact]
    public async Task A_room_the_server_removes_is_reported_and_no_longer_resumed()
    {
        await using var client = NewClient();
        var errors = new ConcurrentQueue<ParleyError>();
        client.ErrorReceived += errors.Enqueue;
        var connection = await ConnectAsync(client);
        await JoinAsync(client, connection, "general", head: 3);
        await JoinAsync(client, connection, "vip", head: 8);

        await connection.SendAsync("""{"op":"left","room":"vip","reason":"forbidden"}""");
        await Eventually.TrueAsync(() => !errors.IsEmpty, "the removal is reported");
        await connection.CloseAsync(ParleyCloseCodes.SlowConsumer, "slow_consumer");
        var (_, connect) = await _server.AcceptConnectedAsync();

        Assert.Equal(new ParleyError("forbidden", "The server removed this connection from room 'vip'.", "vip"), errors.Single());
        Assert.Equal(["general"], connect.GetProperty("resume").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task An_inbox_position_from_an_earlier_run_is_resumed_on_the_first_connect()
    {
        await using var client = new ParleyClient(new ParleyClientOptions
        {
            Url = _server.Url,
            TokenProvider = _ => ValueTask.FromResult("token"),
            InboxSince = 12,
            BufferMessages = true,
        });
        var stream = client.Messages;
        var connecting = client.ConnectAsync();

        var (connection, connect) = await _server.AcceptConnectedAsync(inboxHead: 14);
        await Eventually.WithinAsync(Completion(connecting), "ConnectAsync to return");
        await connection.SendAsync(Frames.Direct("alice", 13));

        Assert.Equal(12, connect.GetProperty("inbox").GetInt64());
        var replayed = await Eventually.WithinAsync(stream.ReadAsync().AsTask(), "the missed direct message");
        Assert.Equal(13, replayed.Seq);
        Assert.Equal(13, client.InboxSeq);
    }

    [Fact]
    public async Task Duplicate_messages_are_dropped_and_counted()
    {
        await using var client = NewClient();
        var stream = client.Messages;
        var events = new ConcurrentQueue<long>();
        client.MessageReceived += m => events.Enqueue(m.Seq);
        var connection = await ConnectAsync(client);
        await JoinAsync(client, connection, "general", head: 0);

        foreach (var seq in new long[] { 1, 2, 2, 1, 3 })
        {
            await connection.SendAsync(Frames.Message("general", seq));
        }

        var delivered = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            delivered.Add((await Eventually.WithinAsync(stream.ReadAsync().AsTask(), "a delivered message")).Seq);
        }

        Assert.Equal([1, 2, 3], delivered);
        await Eventually.TrueAsync(() => client.DuplicatesDropped == 2, "both duplicates are counted");
        Assert.Equal([1, 2, 3], events);
        Assert.Equal(3, client.LastSeq("general"));
    }

    [Fact]
    public async Task Messages_split_over_many_fragments_are_reassembled()
    {
        await using var client = NewClient();
        var stream = client.Messages;
        var connection = await ConnectAsync(client);
        var text = new string('x', 100_000);

        await connection.SendFragmentedAsync(Frames.Message("general", 1, text), fragmentBytes: 1000);
        await connection.SendAsync(Frames.Message("general", 2, "after"));

        var big = await Eventually.WithinAsync(stream.ReadAsync().AsTask(), "the fragmented message");
        var next = await Eventually.WithinAsync(stream.ReadAsync().AsTask(), "the message after it");
        Assert.Equal(text, big.Body.GetProperty("text").GetString());
        Assert.Equal("after", next.BodyAs<Body>()!.Text);
    }

    [Fact]
    public async Task After_a_slow_consumer_close_the_client_reconnects_and_resumes_every_joined_room_and_its_inbox()
    {
        await using var client = NewClient();
        var connection = await ConnectAsync(client, inboxHead: 2);
        await JoinAsync(client, connection, "general", head: 4);
        await JoinAsync(client, connection, "random", head: 0, since: 0);
        await connection.SendAsync(Frames.Message("general", 5));
        await connection.SendAsync(Frames.Message("random", 9));
        await connection.SendAsync(Frames.Direct("alice", 4));
        await Eventually.TrueAsync(() => client.InboxSeq == 4 && client.LastSeq("random") == 9, "the messages are delivered");

        await connection.CloseAsync(ParleyCloseCodes.SlowConsumer, "slow_consumer");
        var (_, connect) = await _server.AcceptConnectedAsync(inboxHead: 4);

        var resume = connect.GetProperty("resume");
        Assert.Equal(5, resume.GetProperty("general").GetInt64());
        Assert.Equal(9, resume.GetProperty("random").GetInt64());
        Assert.Equal(2, resume.EnumerateObject().Count());
        Assert.Equal(4, connect.GetProperty("inbox").GetInt64());
        Assert.Equal(1, _tokensIssued);
        await Eventually.TrueAsync(() => client.State == ConnectionState.Connected, "the client is connected again");
        Assert.Equal(ParleyCloseCodes.SlowConsumer, client.CloseCode);
    }

    [Fact]
    public async Task Replayed_messages_after_a_resume_are_delivered_once()
    {
        await using var client = NewClient();
        var stream = client.Messages;
        var connection = await ConnectAsync(client);
        await JoinAsync(client, connection, "general", head: 0, since: 0);
        await connection.SendAsync(Frames.Message("general", 1));
        await connection.SendAsync(Frames.Message("general", 2));
        await connection.CloseAsync(ParleyCloseCodes.GoingAway, "going_away");

        var (again, _) = await _server.AcceptConnectedAsync();
        foreach (var seq in new long[] { 2, 3 })
        {
            await again.SendAsync(Frames.Message("general", seq));
        }

        var delivered = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            delivered.Add((await Eventually.WithinAsync(stream.ReadAsync().AsTask(), "a delivered message")).Seq);
        }

        Assert.Equal([1, 2, 3], delivered);
        Assert.Equal(1, client.DuplicatesDropped);
    }

    [Fact]
    public async Task A_4500_close_is_terminal()
    {
        await using var client = NewClient();
        var states = new ConcurrentQueue<ConnectionState>();
        client.StateChanged += states.Enqueue;
        var stream = client.Messages;
        var connection = await ConnectAsync(client);
        var pending = client.PingAsync();
        await connection.ReceiveAsync("ping");

        await connection.CloseAsync(ParleyCloseCodes.InvalidToken, "invalid_token");

        await Eventually.TrueAsync(() => client.State == ConnectionState.Closed, "the client is closed");
        Assert.Equal(ParleyCloseCodes.InvalidToken, client.CloseCode);
        Assert.Equal("invalid_token", client.CloseReason);
        Assert.DoesNotContain(ConnectionState.Reconnecting, states);
        var failure = await Assert.ThrowsAsync<ParleyException>(() => Eventually.WithinAsync(Completion(pending), "the pending ping to fail"));
        Assert.Equal(ParleyErrorCodes.Closed, failure.Code);
        Assert.Equal(ParleyCloseCodes.InvalidToken, failure.CloseCode);
        Assert.True(await Eventually.WithinAsync(stream.Completion.ContinueWith(_ => true), "the message stream to complete"));
        Assert.Single(_server.UpgradeTimes);
        Assert.False(_server.HasPendingConnection);
    }

    [Fact]
    public async Task A_reconnect_hint_delays_the_reconnect_by_after_ms_on_the_clients_clock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FakeParleyServer.StartAsync(time: time);
        await using var client = NewClient(time: time, url: server.Url);
        var connection = await ConnectAsync(client, server);

        var hinted = server.Now;
        await connection.SendAsync(Frames.Reconnect(afterMs: 600));
        await connection.CloseAsync(ParleyCloseCodes.GoingAway, "going_away");
        await AdvanceUntilAsync(time, () => server.UpgradeTimes.Count == 2, "the client reconnects");
        await server.AcceptConnectedAsync();

        // Without the hint the 5 ms backoff ceiling would apply. Both times are read from the fake
        // clock, which moves only when the test moves it: the bound holds on any machine.
        var reconnected = server.UpgradeTimes[1];
        Assert.True(reconnected - hinted >= TimeSpan.FromMilliseconds(600), $"Reconnected {(reconnected - hinted).TotalMilliseconds} ms after the hint.");
    }

    [Fact]
    public async Task A_reconnect_hint_is_followed_even_when_the_node_never_closes()
    {
        await using var client = NewClient();
        var connection = await ConnectAsync(client);

        await connection.SendAsync(Frames.Reconnect(afterMs: 50));
        await _server.AcceptConnectedAsync();

        await Eventually.TrueAsync(() => connection.Ended, "the client leaves the draining node");
        await Eventually.TrueAsync(() => client.State == ConnectionState.Connected, "the client is connected again");
    }

    [Fact]
    public async Task A_503_with_Retry_After_on_the_upgrade_delays_the_next_attempt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FakeParleyServer.StartAsync(time: time);
        await using var client = NewClient(time: time, url: server.Url);
        var connection = await ConnectAsync(client, server);
        server.RefuseNextUpgrade(retryAfterSeconds: 1);

        await connection.CloseAsync(ParleyCloseCodes.GoingAway, "going_away");
        await AdvanceUntilAsync(time, () => server.UpgradeTimes.Count == 3, "the attempt after the Retry-After");
        await server.AcceptConnectedAsync();

        // Without Retry-After the 5 ms backoff ceiling would apply. The server stamps each upgrade
        // with the fake clock as it arrives, so the gap is what the client waited, exactly.
        var upgrades = server.UpgradeTimes;
        Assert.True(upgrades[2] - upgrades[1] >= TimeSpan.FromSeconds(1), $"Retried {(upgrades[2] - upgrades[1]).TotalMilliseconds} ms after the 503.");
        await Eventually.TrueAsync(() => client.State == ConnectionState.Connected, "the client is connected again");
    }

    [Fact]
    public async Task A_send_in_flight_across_a_reconnect_is_resent_with_the_same_id()
    {
        await using var client = NewClient();
        var connection = await ConnectAsync(client);

        var sending = client.SendAsync("general", new { Text = "hi" });
        var first = await connection.ReceiveAsync("send");
        await connection.CloseAsync(ParleyCloseCodes.SlowConsumer, "slow_consumer");

        var (again, _) = await _server.AcceptConnectedAsync();
        var resent = await again.ReceiveAsync("send");
        Assert.Equal(first.GetProperty("id").GetString(), resent.GetProperty("id").GetString());
        Assert.Equal(first.GetProperty("body").GetRawText(), resent.GetProperty("body").GetRawText());
        Assert.NotEqual(Frames.Rid(first), Frames.Rid(resent));

        await again.SendAsync(Frames.Ack(Frames.Rid(resent), "general", resent.GetProperty("id").GetString()!, 12, duplicate: true));
        var result = await Eventually.WithinAsync(sending, "the re-sent message's ack");
        Assert.Equal(12, result.Seq);
        Assert.True(result.Duplicate);
    }

    [Fact]
    public async Task An_error_frame_fails_its_request_with_the_code_and_the_connection_stays_up()
    {
        await using var client = NewClient();
        var connection = await ConnectAsync(client);

        var joining = client.JoinAsync("secret");
        var join = await connection.ReceiveAsync("join");
        await connection.SendAsync(Frames.Error(Frames.Rid(join), "forbidden", "Not allowed."));

        var error = await Assert.ThrowsAsync<ParleyException>(() => Eventually.WithinAsync(joining, "the join to fail"));
        Assert.Equal(ParleyErrorCodes.Forbidden, error.Code);
        Assert.Equal("Not allowed.", error.Message);
        Assert.Equal(ConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task An_error_for_no_request_is_reported_through_ErrorReceived()
    {
        await using var client = NewClient();
        var errors = new ConcurrentQueue<ParleyError>();
        client.ErrorReceived += errors.Enqueue;
        var connection = await ConnectAsync(client);

        await connection.SendAsync("""{"op":"error","code":"frame_too_large","message":"Too big."}""");

        await Eventually.TrueAsync(() => errors.Any(e => e.Code == ParleyErrorCodes.FrameTooLarge), "the error is reported");
    }

    [Fact]
    public async Task ConnectAsync_throws_the_refusal_when_the_server_closes_before_connected()
    {
        await using var client = NewClient();
        var connecting = client.ConnectAsync();
        var connection = await _server.AcceptAsync();
        await connection.ReceiveAsync("connect");

        await connection.CloseAsync(ParleyCloseCodes.UserConnectionLimit, "user_connection_limit");

        var refusal = await Assert.ThrowsAsync<ParleyException>(() => Eventually.WithinAsync(Completion(connecting), "ConnectAsync to fail"));
        Assert.Equal("user_connection_limit", refusal.Code);
        Assert.Equal(ParleyCloseCodes.UserConnectionLimit, refusal.CloseCode);
        Assert.Equal(ConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task Server_pings_are_answered_with_pongs()
    {
        await using var client = NewClient();
        var connection = await ConnectAsync(client);

        await connection.SendAsync("""{"op":"ping"}""");

        var pong = await connection.ReceiveAsync("pong");
        Assert.False(pong.TryGetProperty("rid", out _));
    }

    [Fact]
    public async Task A_request_without_a_reply_times_out()
    {
        await using var client = NewClient(o => o with { RequestTimeout = TimeSpan.FromMilliseconds(200) });
        var connection = await ConnectAsync(client);

        var presence = client.PresenceAsync("general");
        await connection.ReceiveAsync("presence");

        await Assert.ThrowsAsync<TimeoutException>(() => Eventually.WithinAsync(Completion(presence), "the timeout"));
    }

    [Fact]
    public async Task A_4003_close_fetches_a_new_token_before_reconnecting()
    {
        await using var client = NewClient();
        var connection = await ConnectAsync(client);

        await connection.CloseAsync(ParleyCloseCodes.TokenExpired, "token_expired");
        var (_, connect) = await _server.AcceptConnectedAsync();

        Assert.Equal("token-2", connect.GetProperty("token").GetString());
        Assert.Equal(2, _tokensIssued);
    }

    [Fact]
    public async Task The_token_is_refreshed_in_band_a_margin_before_it_expires()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var client = NewClient(o => o with { TokenRefreshMargin = TimeSpan.FromMinutes(1) }, time);
        var connecting = client.ConnectAsync();
        var (connection, _) = await _server.AcceptConnectedAsync(expires: time.GetUtcNow().AddHours(1));
        await Eventually.WithinAsync(Completion(connecting), "ConnectAsync to return");

        // The refresh is due a minute before the expiry on the client's clock, which moves only here.
        time.Advance(TimeSpan.FromMinutes(59));
        var refresh = await connection.ReceiveAsync("refresh");
        Assert.Equal("token-2", refresh.GetProperty("token").GetString());
        var later = time.GetUtcNow().AddHours(1);
        await connection.SendAsync($$"""{"op":"refreshed","rid":{{Frames.Rid(refresh)}},"expires":"{{later.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}"}""");

        await Eventually.TrueAsync(() => client.SessionInfo!.Expires > time.GetUtcNow().AddMinutes(30), "the new expiry is recorded");
    }

    [Fact]
    public async Task With_auto_reconnect_off_a_drop_leaves_the_client_disconnected_and_ConnectAsync_resumes()
    {
        await using var client = NewClient(o => o with { AutoReconnect = false });
        var connection = await ConnectAsync(client);
        await JoinAsync(client, connection, "general", head: 7);

        await connection.CloseAsync(ParleyCloseCodes.SlowConsumer, "slow_consumer");
        await Eventually.TrueAsync(() => client.State == ConnectionState.Disconnected, "the client is disconnected");
        var refused = await Assert.ThrowsAsync<ParleyException>(() => client.PingAsync());
        Assert.Equal(ParleyErrorCodes.NotConnected, refused.Code);

        var connecting = client.ConnectAsync();
        var (_, connect) = await _server.AcceptConnectedAsync();
        await Eventually.WithinAsync(Completion(connecting), "the second ConnectAsync");
        Assert.Equal(7, connect.GetProperty("resume").GetProperty("general").GetInt64());
    }

    [Fact]
    public async Task CloseAsync_is_terminal_and_completes_the_message_stream()
    {
        var client = NewClient();
        var stream = client.Messages;
        var connection = await ConnectAsync(client);

        await client.CloseAsync();

        Assert.Equal(ConnectionState.Closed, client.State);
        Assert.Equal(1000, client.CloseCode);
        Assert.True(stream.Completion.IsCompleted);
        await Eventually.TrueAsync(() => connection.Ended, "the server sees the close");
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.ConnectAsync());
        await client.DisposeAsync();
    }

    private ParleyClient NewClient(Func<OptionsShape, OptionsShape>? adjust = null, TimeProvider? time = null, Uri? url = null)
    {
        var shape = (adjust ?? (o => o))(new OptionsShape(true, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60)));
        return new ParleyClient(new ParleyClientOptions
        {
            Url = url ?? _server.Url,
            TokenProvider = _ => ValueTask.FromResult($"token-{Interlocked.Increment(ref _tokensIssued)}"),
            AutoReconnect = shape.AutoReconnect,
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(1),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(5),
            // On a fake clock the test moves time in steps; a long timeout keeps a slow machine's
            // many steps from timing out an attempt that is merely slow in real time.
            RequestTimeout = time is null ? shape.RequestTimeout : TimeSpan.FromHours(1),
            TokenRefreshMargin = shape.TokenRefreshMargin,
            BufferMessages = true,
            TimeProvider = time ?? TimeProvider.System,
        });
    }

    /// <summary>
    /// Moves the fake clock forward in 10 ms steps until <paramref name="condition"/> holds, and
    /// returns the fake time it first held at: the client's delays are then measured exactly,
    /// whatever the real time the machine took.
    /// </summary>
    internal static async Task<DateTimeOffset> AdvanceUntilAsync(FakeTimeProvider time, Func<bool> condition, string what)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"Timed out after 30 s of moving the fake clock, waiting for {what}.");
            }

            time.Advance(TimeSpan.FromMilliseconds(10));
            await Task.Delay(2);
        }

        return time.GetUtcNow();
    }

    private async Task<FakeConnection> ConnectAsync(ParleyClient client, FakeParleyServer server)
    {
        var connecting = client.ConnectAsync();
        var (connection, _) = await server.AcceptConnectedAsync();
        await Eventually.WithinAsync(Completion(connecting), "ConnectAsync to return");
        return connection;
    }

    private async Task<FakeConnection> ConnectAsync(ParleyClient client, long inboxHead = 0)
    {
        var connecting = client.ConnectAsync();
        var (connection, _) = await _server.AcceptConnectedAsync(inboxHead);
        await Eventually.WithinAsync(Completion(connecting), "ConnectAsync to return");
        return connection;
    }

    private static async Task JoinAsync(ParleyClient client, FakeConnection connection, string room, long head, long? since = null)
    {
        var joining = client.JoinAsync(room, since);
        var join = await connection.ReceiveAsync("join");
        Assert.Equal(room, join.GetProperty("room").GetString());
        await connection.SendAsync(Frames.Joined(Frames.Rid(join), room, head));
        await Eventually.WithinAsync(joining, $"the join of {room}");
    }

    private static async Task<bool> Completion(Task task)
    {
        await task;
        return true;
    }

    private sealed record Body(string Text);

    private sealed record OptionsShape(bool AutoReconnect, TimeSpan RequestTimeout, TimeSpan TokenRefreshMargin);
}
