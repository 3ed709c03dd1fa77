using System.Text.Json;
using Parley.Client;

namespace Parley.Tests.Client;

public sealed class FrameWriterTests
{
    [Fact]
    public void Connect_carries_the_token_every_resumed_room_and_the_inbox()
    {
        var frame = Parse(FrameWriter.Connect("jwt", new Dictionary<string, long> { ["general"] = 41, ["random"] = 0 }, inbox: 12));

        Assert.Equal("connect", frame.GetProperty("op").GetString());
        Assert.Equal("jwt", frame.GetProperty("token").GetString());
        Assert.Equal(41, frame.GetProperty("resume").GetProperty("general").GetInt64());
        Assert.Equal(0, frame.GetProperty("resume").GetProperty("random").GetInt64());
        Assert.Equal(12, frame.GetProperty("inbox").GetInt64());
        Assert.False(frame.TryGetProperty("rid", out _));
    }

    [Fact]
    public void Connect_without_rooms_or_inbox_omits_both_fields()
    {
        var frame = Parse(FrameWriter.Connect("jwt", new Dictionary<string, long>(), inbox: null));

        Assert.False(frame.TryGetProperty("resume", out _));
        Assert.False(frame.TryGetProperty("inbox", out _));
    }

    [Fact]
    public void Send_to_a_room_carries_rid_room_id_and_the_body_unchanged()
    {
        using var body = JsonDocument.Parse("""{"text":"hi","n":[1,2.5,null]}""");

        var frame = Parse(FrameWriter.Send(3, "general", to: null, "c-7f3a", body.RootElement));

        Assert.Equal("send", frame.GetProperty("op").GetString());
        Assert.Equal(3, frame.GetProperty("rid").GetInt64());
        Assert.Equal("general", frame.GetProperty("room").GetString());
        Assert.False(frame.TryGetProperty("to", out _));
        Assert.Equal("c-7f3a", frame.GetProperty("id").GetString());
        Assert.Equal("""{"text":"hi","n":[1,2.5,null]}""", frame.GetProperty("body").GetRawText());
    }

    [Fact]
    public void Send_to_a_user_names_the_recipient_instead_of_a_room()
    {
        using var body = JsonDocument.Parse("\"psst\"");

        var frame = Parse(FrameWriter.Send(4, room: null, "bob", "c-7f3b", body.RootElement));

        Assert.Equal("bob", frame.GetProperty("to").GetString());
        Assert.False(frame.TryGetProperty("room", out _));
        Assert.Equal("psst", frame.GetProperty("body").GetString());
    }

    [Fact]
    public void Join_with_since_carries_it_and_join_without_since_omits_it()
    {
        var resumed = Parse(FrameWriter.Join(1, "general", since: 41));
        var live = Parse(FrameWriter.Join(2, "general", since: null));

        Assert.Equal("join", resumed.GetProperty("op").GetString());
        Assert.Equal(1, resumed.GetProperty("rid").GetInt64());
        Assert.Equal("general", resumed.GetProperty("room").GetString());
        Assert.Equal(41, resumed.GetProperty("since").GetInt64());
        Assert.False(live.TryGetProperty("since", out _));
    }

    [Fact]
    public void History_of_a_room_and_of_the_inbox_carry_only_the_bounds_given()
    {
        var room = Parse(FrameWriter.History(5, "general", before: 40, after: null, limit: 50));
        var inbox = Parse(FrameWriter.History(6, room: null, before: null, after: 3, limit: null));

        Assert.Equal("general", room.GetProperty("room").GetString());
        Assert.Equal(40, room.GetProperty("before").GetInt64());
        Assert.Equal(50, room.GetProperty("limit").GetInt32());
        Assert.False(room.TryGetProperty("after", out _));
        Assert.True(inbox.GetProperty("inbox").GetBoolean());
        Assert.False(inbox.TryGetProperty("room", out _));
        Assert.Equal(3, inbox.GetProperty("after").GetInt64());
        Assert.False(inbox.TryGetProperty("limit", out _));
    }

    [Fact]
    public void The_other_requests_carry_their_op_rid_and_fields()
    {
        using var body = JsonDocument.Parse("""{"typing":true}""");

        var leave = Parse(FrameWriter.Leave(7, "general"));
        var presence = Parse(FrameWriter.Presence(8, "general"));
        var refresh = Parse(FrameWriter.Refresh(9, "new-jwt"));
        var ping = Parse(FrameWriter.Ping(10));
        var signal = Parse(FrameWriter.Signal("general", body.RootElement));
        var pong = Parse(FrameWriter.Pong);

        Assert.Equal(("leave", 7, "general"), (leave.GetProperty("op").GetString(), leave.GetProperty("rid").GetInt64(), leave.GetProperty("room").GetString()));
        Assert.Equal(("presence", 8, "general"), (presence.GetProperty("op").GetString(), presence.GetProperty("rid").GetInt64(), presence.GetProperty("room").GetString()));
        Assert.Equal(("refresh", 9, "new-jwt"), (refresh.GetProperty("op").GetString(), refresh.GetProperty("rid").GetInt64(), refresh.GetProperty("token").GetString()));
        Assert.Equal(("ping", 10), (ping.GetProperty("op").GetString(), ping.GetProperty("rid").GetInt64()));
        Assert.Equal("signal", signal.GetProperty("op").GetString());
        Assert.True(signal.GetProperty("body").GetProperty("typing").GetBoolean());
        Assert.False(signal.TryGetProperty("rid", out _));
        Assert.Equal("""{"op":"pong"}""", pong.GetRawText());
    }

    private static JsonElement Parse(byte[] frame)
    {
        using var document = JsonDocument.Parse(frame);
        return document.RootElement.Clone();
    }
}
