using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>
/// Every bad input listed in docs/protocol.md gets its documented error code, echoes the request id
/// where it could be read, and leaves the connection working.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(new Dictionary<string, string?>
    {
        ["Parley:Limits:MaxFrameBytes"] = "4096",
        ["Parley:Limits:MaxMessageBytes"] = "1024",
        ["Parley:Limits:RoomsPerConnection"] = "2",
        ["Parley:Limits:PublishesPerSecond"] = "0.5",
        ["Parley:Limits:PublishBurst"] = "3",
    });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Theory]
    [InlineData("", "bad_frame", null)]
    [InlineData("""[1,2,3]""", "bad_frame", null)]
    [InlineData("""42""", "bad_frame", null)]
    [InlineData("""{"rid":1}""", "bad_frame", null)]
    [InlineData("""{"op":5,"rid":1}""", "bad_frame", null)]
    [InlineData("""{"op":"join","rid":2,"room":7}""", "bad_frame", null)]
    [InlineData("""{"op":"join","rid":3,"room":"ok","since":-1}""", "bad_frame", null)]
    [InlineData("""{"op":"history","rid":4,"room":"ok","before":5,"after":1}""", "bad_frame", "4")]
    [InlineData("""{"op":"send","rid":5,"room":"ok","to":"bob","id":"a","body":1}""", "bad_frame", "5")]
    [InlineData("""{"op":"ping"} trailing""", "bad_frame", null)]
    [InlineData("""{"op":"dance","rid":6}""", "unknown_op", "6")]
    [InlineData("""{"op":"join","rid":7,"room":"no/slash"}""", "invalid_room", "7")]
    [InlineData("""{"op":"join","rid":8}""", "invalid_room", "8")]
    [InlineData("""{"op":"send","rid":9,"to":"bad user","id":"a","body":1}""", "invalid_user", "9")]
    [InlineData("""{"op":"send","rid":10,"room":"ok","body":1}""", "invalid_id", "10")]
    [InlineData("""{"op":"send","rid":11,"room":"ok","id":"white space","body":1}""", "invalid_id", "11")]
    [InlineData("""{"op":"send","rid":12,"room":"ok","id":"a"}""", "missing_body", "12")]
    [InlineData("""{"op":"send","rid":13,"room":"secret","id":"a","body":1}""", "forbidden", "13")]
    [InlineData("""{"op":"join","rid":14,"room":"secret"}""", "forbidden", "14")]
    [InlineData("""{"op":"history","rid":15,"room":"secret"}""", "forbidden", "15")]
    [InlineData("""{"op":"presence","rid":16,"room":"secret"}""", "forbidden", "16")]
    [InlineData("""{"op":"signal","rid":17,"room":"ok","body":1}""", "not_joined", "17")]
    [InlineData("""{"op":"refresh","rid":18,"token":"garbage"}""", "invalid_token", "18")]
    public async Task A_bad_frame_gets_its_documented_error_and_the_connection_keeps_working(string frame, string code, string? rid)
    {
        await using var client = await ConnectAsync("alice");
        await client.SendAsync(frame);
        var error = await client.ExpectAsync("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        if (rid is not null)
        {
            Assert.Equal(rid, error.GetProperty("rid").GetRawText());
        }

        await AssertStillWorksAsync(client);
    }

    [Fact]
    public async Task An_oversized_frame_is_discarded_with_frame_too_large()
    {
        await using var client = await ConnectAsync("alice");
        await client.SendAsync($$"""{"op":"send","rid":1,"room":"ok","id":"big","body":"{{new string('x', 10_000)}}"}""");
        Assert.Equal("frame_too_large", (await client.ExpectAsync("error")).GetProperty("code").GetString());
        await AssertStillWorksAsync(client);
    }

    [Fact]
    public async Task An_oversized_body_is_refused_with_body_too_large_and_nothing_is_stored()
    {
        await using var client = await ConnectAsync("alice");
        await client.SendAsync($$"""{"op":"send","rid":1,"room":"ok","id":"big","body":"{{new string('x', 2000)}}"}""");
        Assert.Equal("body_too_large", (await client.ExpectAsync("error")).GetProperty("code").GetString());
        await client.SendAsync("""{"op":"history","rid":2,"room":"ok"}""");
        Assert.Equal(0, (await client.ExpectAsync("history")).GetProperty("head").GetInt64());
    }

    [Fact]
    public async Task Joining_more_rooms_than_allowed_is_refused_with_room_limit()
    {
        await using var client = await ConnectAsync("alice");
        foreach (var room in new[] { "ok", "ok2" })
        {
            await client.SendAsync($$"""{"op":"join","rid":"{{room}}","room":"{{room}}"}""");
            await client.ExpectAsync("joined");
        }

        await client.SendAsync("""{"op":"join","rid":3,"room":"ok3"}""");
        Assert.Equal("room_limit", (await client.ExpectAsync("error")).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Publishing_past_the_connection_rate_is_refused_with_rate_limited()
    {
        await using var client = await ConnectAsync("alice");
        for (var i = 1; i <= 5; i++)
        {
            await client.SendAsync($$"""{"op":"send","rid":{{i}},"room":"ok","id":"r{{i}}","body":{{i}}}""");
        }

        var error = await client.ExpectAsync("error");
        Assert.Equal("rate_limited", error.GetProperty("code").GetString());
        await Eventually.TrueAsync(() => client.All("ack").Count == 3, "the burst is acknowledged");
        await AssertStillWorksAsync(client);
    }

    [Fact]
    public async Task A_publish_refused_by_its_rate_is_answered_without_an_exception_per_message()
    {
        var thrown = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception is Parley.Node.Protocol.ProtocolException { Code: "rate_limited" })
            {
                Interlocked.Increment(ref thrown);
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Count;
        try
        {
            await using var client = await ConnectAsync("alice");
            for (var i = 1; i <= 6; i++)
            {
                await client.SendAsync($$"""{"op":"send","rid":{{i}},"room":"ok","id":"q{{i}}","body":{{i}}}""");
            }

            await Eventually.TrueAsync(() => client.All("error").Count + client.All("ack").Count == 6, "every send is answered");
            Assert.NotEmpty(client.All("error"));
            Assert.All(client.All("error"), e => Assert.Equal("rate_limited", e.GetProperty("code").GetString()));
            Assert.Equal(0, Volatile.Read(ref thrown));
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }
    }

    [Fact]
    public async Task A_refresh_for_another_user_is_refused_with_token_mismatch()
    {
        await using var client = await ConnectAsync("alice");
        await client.SendAsync($$"""{"op":"refresh","rid":1,"token":"{{TestNode.Token("acme", "bob", ["ok*"])}}"}""");
        Assert.Equal("token_mismatch", (await client.ExpectAsync("error")).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_expired_refresh_token_is_refused_with_token_expired()
    {
        await using var client = await ConnectAsync("alice");
        var expired = Parley.Node.Auth.DevelopmentTokenMinter.Mint(TestNode.Secret, new Parley.Node.Options.AuthOptions(), "acme", "alice", ["ok*"], [], TimeSpan.FromSeconds(1), new ShiftedClock(TimeSpan.FromMinutes(-10)));
        await client.SendAsync($$"""{"op":"refresh","rid":1,"token":"{{expired}}"}""");
        Assert.Equal("token_expired", (await client.ExpectAsync("error")).GetProperty("code").GetString());
    }

    private async Task<RawClient> ConnectAsync(string user)
        => await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", user, ["ok*"]));

    private static async Task AssertStillWorksAsync(RawClient client)
    {
        await client.SendAsync("""{"op":"ping","rid":"alive"}""");
        await client.ExpectAsync("pong", f => f.GetProperty("rid").GetString() == "alive");
        Assert.False(client.Closed);
    }
}

/// <summary>A store that stops answering: sends are refused with store_unavailable and never acknowledged.</summary>
public sealed class StoreFailureTests
{
    [Fact]
    public async Task A_send_the_store_cannot_commit_is_refused_with_store_unavailable_and_never_acknowledged()
    {
        await using var node = await TestNode.StartAsync();
        await using var client = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));
        await client.SendAsync("""{"op":"send","rid":1,"room":"general","id":"before","body":1}""");
        await client.ExpectAsync("ack");

        await ((IAsyncDisposable)node.Service<Parley.Node.Store.IMessageStore>()).DisposeAsync();
        await client.SendAsync("""{"op":"send","rid":2,"room":"general","id":"after","body":2}""");
        var error = await client.ExpectAsync("error", null, TimeSpan.FromSeconds(20));
        Assert.Equal("store_unavailable", error.GetProperty("code").GetString());
        Assert.Equal(2, error.GetProperty("rid").GetInt32());
        Assert.Single(client.All("ack"));
        await client.SendAsync("""{"op":"ping","rid":3}""");
        await client.ExpectAsync("pong");
    }
}
