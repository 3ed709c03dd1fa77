using System.Text;
using System.Text.Json;
using Parley.Client;

namespace Parley.Tests.Client;

/// <summary>Every server frame of docs/protocol.md, as the reference writes it, decoded.</summary>
public sealed class FrameReaderTests
{
    private static readonly DateTimeOffset Ts = new(2026, 11, 23, 14, 5, 9, 123, TimeSpan.Zero);

    [Fact]
    public void Connected_gives_the_session_the_ping_interval_expiry_and_inbox_head()
    {
        var frame = Read("""{"op":"connected","conn":"c-3f9a","node":"n-7c1d","tenant":"acme","user":"alice","ping":25,"expires":"2026-11-23T15:05:09.000Z","inbox_head":14}""");

        var info = Assert.IsType<ConnectedFrame>(frame).Info;
        Assert.Equal(new ParleySessionInfo("c-3f9a", "n-7c1d", "acme", "alice", TimeSpan.FromSeconds(25), new DateTimeOffset(2026, 11, 23, 15, 5, 9, TimeSpan.Zero), 14), info);
    }

    [Fact]
    public void Refreshed_gives_the_new_expiry()
    {
        var frame = Assert.IsType<RefreshedFrame>(Read("""{"op":"refreshed","rid":9,"expires":"2026-11-23T16:05:09.000Z"}"""));

        Assert.Equal(9, frame.Rid);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 16, 5, 9, TimeSpan.Zero), frame.Expires);
    }

    [Fact]
    public void Joined_gives_the_head_and_whether_the_replay_is_complete()
    {
        var frame = Assert.IsType<JoinedFrame>(Read("""{"op":"joined","rid":1,"room":"general","head":57,"resumed":false}"""));

        Assert.Equal(1, frame.Rid);
        Assert.Equal(new JoinResult("general", 57, false), frame.Result);
    }

    [Fact]
    public void Left_as_a_reply_and_as_a_removal_with_a_reason()
    {
        var reply = Assert.IsType<LeftFrame>(Read("""{"op":"left","rid":2,"room":"general"}"""));
        var removal = Assert.IsType<LeftFrame>(Read("""{"op":"left","room":"vip","reason":"forbidden"}"""));

        Assert.Equal(new LeftFrame(2, "general", null), reply);
        Assert.Equal(new LeftFrame(null, "vip", "forbidden"), removal);
    }

    [Fact]
    public void Ack_of_a_room_send_and_of_a_duplicate_direct_send()
    {
        var room = Assert.IsType<AckFrame>(Read("""{"op":"ack","rid":3,"room":"general","id":"c-7f3a","seq":58,"ts":"2026-11-23T14:05:09.123Z"}"""));
        var direct = Assert.IsType<AckFrame>(Read("""{"op":"ack","rid":4,"to":"bob","id":"c-7f3b","seq":15,"ts":"2026-11-23T14:05:09.123Z","duplicate":true}"""));

        Assert.Equal(3, room.Rid);
        Assert.Equal("general", room.Room);
        Assert.Equal(new SendResult(58, "c-7f3a", Ts, false), room.Result);
        Assert.Equal("bob", direct.To);
        Assert.Null(direct.Room);
        Assert.Equal(new SendResult(15, "c-7f3b", Ts, true), direct.Result);
    }

    [Fact]
    public void Msg_from_a_room_and_from_the_inbox()
    {
        var room = Assert.IsType<MessageFrame>(Read("""{"op":"msg","room":"general","seq":58,"id":"c-7f3a","from":"alice","ts":"2026-11-23T14:05:09.123Z","body":{"text":"hi"}}""")).Message;
        var direct = Assert.IsType<MessageFrame>(Read("""{"op":"msg","to":"bob","seq":15,"id":"c-7f3b","from":"alice","ts":"2026-11-23T14:05:09.123Z","body":"psst"}""")).Message;

        Assert.Equal(("general", (string?)null, 58L, "c-7f3a", "alice", Ts), (room.Room, room.To, room.Seq, room.Id, room.From, room.Timestamp));
        Assert.Equal("hi", room.Body.GetProperty("text").GetString());
        Assert.False(room.IsDirect);
        Assert.True(direct.IsDirect);
        Assert.Equal("bob", direct.To);
        Assert.Equal(15, direct.Seq);
        Assert.Equal("psst", direct.BodyAs<string>());
    }

    [Fact]
    public void A_message_says_whether_an_api_key_or_a_user_sent_it_and_an_unknown_kind_is_not_taken_for_a_user()
    {
        var fromKey = Assert.IsType<MessageFrame>(Read("""{"op":"msg","room":"billing","seq":1,"id":"pay-1","from":"ak-3f1363d7996b","from_kind":"api_key","ts":"2026-11-23T14:05:09.123Z","body":1}""")).Message;
        var fromUser = Assert.IsType<MessageFrame>(Read("""{"op":"msg","room":"billing","seq":2,"id":"pay-1","from":"alice","ts":"2026-11-23T14:05:09.123Z","body":1}""")).Message;
        var fromLater = Assert.IsType<MessageFrame>(Read("""{"op":"msg","room":"billing","seq":3,"id":"x","from":"svc","from_kind":"robot","ts":"2026-11-23T14:05:09.123Z","body":1}""")).Message;
        var page = Assert.IsType<HistoryFrame>(Read("""{"op":"history","rid":5,"room":"billing","head":2,"first":1,"messages":[{"seq":1,"id":"pay-1","from":"ak-3f1363d7996b","from_kind":"api_key","ts":"2026-11-23T14:05:09.123Z","body":1},{"seq":2,"id":"pay-1","from":"alice","ts":"2026-11-23T14:05:09.123Z","body":1}]}""")).Page;

        Assert.Equal(ParleySenderKind.ApiKey, fromKey.FromKind);
        Assert.Equal(ParleySenderKind.User, fromUser.FromKind);
        Assert.Equal(ParleySenderKind.Unknown, fromLater.FromKind);
        Assert.Equal([ParleySenderKind.ApiKey, ParleySenderKind.User], page.Messages.Select(m => m.FromKind));
    }

    [Fact]
    public void A_message_body_outlives_the_buffer_it_was_read_from()
    {
        var buffer = Encoding.UTF8.GetBytes("""{"op":"msg","room":"general","seq":1,"id":"a","from":"alice","ts":"2026-11-23T14:05:09.123Z","body":{"text":"kept"}}""");

        var message = Assert.IsType<MessageFrame>(FrameReader.Read(buffer)).Message;
        Array.Fill(buffer, (byte)' ');

        Assert.Equal("kept", message.Body.GetProperty("text").GetString());
    }

    [Fact]
    public void Signal_gives_room_sender_and_body()
    {
        var signal = Assert.IsType<SignalFrame>(Read("""{"op":"signal","room":"general","from":"alice","body":{"typing":true}}""")).Signal;

        Assert.Equal(("general", "alice"), (signal.Room, signal.From));
        Assert.True(signal.Body.GetProperty("typing").GetBoolean());
    }

    [Fact]
    public void Presence_as_a_reply_lists_users_and_as_an_event_lists_changes()
    {
        var list = Assert.IsType<PresenceListFrame>(Read("""{"op":"presence","rid":6,"room":"general","users":["alice","carol"]}"""));
        var change = Assert.IsType<PresenceEventFrame>(Read("""{"op":"presence","room":"general","joined":["dave"],"left":[]}""")).Change;

        Assert.Equal(6, list.Rid);
        Assert.Equal(["alice", "carol"], list.Users);
        Assert.Equal("general", change.Room);
        Assert.Equal(["dave"], change.Joined);
        Assert.Empty(change.Left);
    }

    [Fact]
    public void History_of_a_room_names_the_room_on_every_message()
    {
        var page = Assert.IsType<HistoryFrame>(Read("""{"op":"history","rid":5,"room":"general","head":58,"first":1,"messages":[{"seq":1,"id":"a","from":"alice","ts":"2026-11-23T14:05:09.123Z","body":1},{"seq":2,"id":"b","from":"bob","ts":"2026-11-23T14:05:09.123Z","body":{"x":2}}]}""")).Page;

        Assert.Equal(("general", 58L, 1L), (page.Room, page.Head, page.First));
        Assert.Equal([1L, 2L], page.Messages.Select(m => m.Seq));
        Assert.All(page.Messages, m => Assert.Equal("general", m.Room));
        Assert.Equal(2, page.Messages[1].Body.GetProperty("x").GetInt32());
    }

    [Fact]
    public void History_of_the_inbox_has_no_room()
    {
        var page = Assert.IsType<HistoryFrame>(Read("""{"op":"history","rid":7,"inbox":true,"head":3,"first":1,"messages":[{"seq":3,"id":"d","from":"bob","ts":"2026-11-23T14:05:09.123Z","body":null}]}""")).Page;

        Assert.Null(page.Room);
        Assert.True(page.Messages[0].IsDirect);
        Assert.Equal(JsonValueKind.Null, page.Messages[0].Body.ValueKind);
    }

    [Fact]
    public void Ping_pong_error_and_reconnect()
    {
        Assert.IsType<PingFrame>(Read("""{"op":"ping"}"""));
        Assert.Equal(new PongFrame(1), Read("""{"op":"pong","rid":1}"""));
        Assert.Equal(new ErrorFrame(2, "rate_limited", "Publish rate exceeded; retry later."), Read("""{"op":"error","rid":2,"code":"rate_limited","message":"Publish rate exceeded; retry later."}"""));
        Assert.Equal(new ReconnectFrame(TimeSpan.FromMilliseconds(1840), "draining"), Read("""{"op":"reconnect","after_ms":1840,"reason":"draining"}"""));
    }

    [Fact]
    public void A_string_rid_that_is_an_integer_matches_and_any_other_matches_nothing()
    {
        Assert.Equal(12, Read("""{"op":"pong","rid":"12"}""").Rid);
        Assert.Null(Read("""{"op":"pong","rid":"abc"}""").Rid);
    }

    [Fact]
    public void An_ephemeral_rooms_joined_ack_and_message_read_without_a_sequence()
    {
        var joined = Assert.IsType<JoinedFrame>(Read("""{"op":"joined","rid":1,"room":"cursor:a","head":0,"resumed":true,"ephemeral":true}"""));
        var ack = Assert.IsType<AckFrame>(Read("""{"op":"ack","rid":2,"room":"cursor:a","id":"c-1","ts":"2026-11-23T14:05:09.123Z"}"""));
        var msg = Assert.IsType<MessageFrame>(Read("""{"op":"msg","room":"cursor:a","id":"c-1","from":"alice","ts":"2026-11-23T14:05:09.123Z","body":{"x":1}}"""));

        Assert.True(joined.Result.Ephemeral);
        Assert.Equal(0, ack.Result.Seq);
        Assert.Equal(0, msg.Message.Seq);
        Assert.True(msg.Message.Ephemeral);
    }

    [Fact]
    public void An_unknown_op_is_kept_not_refused()
    {
        Assert.Equal(new UnknownFrame(3, "typing_v2"), Read("""{"op":"typing_v2","rid":3}"""));
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("""{"rid":1}""")]
    [InlineData("""{"op":"ack","rid":3,"room":"general","seq":1,"ts":"2026-11-23T14:05:09.123Z"}""")]
    [InlineData("""{"op":"msg","to":"bob","id":"x","from":"a","ts":"2026-11-23T14:05:09.123Z","body":1}""")]
    [InlineData("""{"op":"msg","room":"general","seq":"58","id":"x","from":"a","ts":"2026-11-23T14:05:09.123Z","body":1}""")]
    [InlineData("""{"op":"msg","room":"general","seq":58,"id":"x","from":"a","ts":"yesterday","body":1}""")]
    [InlineData("""{"op":"msg","room":"general","seq":58,"id":"x","from":"a","ts":"2026-11-23T14:05:09.123Z"}""")]
    [InlineData("""{"op":"presence","rid":6,"room":"general","users":[1]}""")]
    [InlineData("not json")]
    public void A_malformed_frame_is_refused_with_a_json_exception(string frame)
    {
        Assert.ThrowsAny<JsonException>(() => Read(frame));
    }

    private static ServerFrame Read(string json) => FrameReader.Read(Encoding.UTF8.GetBytes(json));
}
