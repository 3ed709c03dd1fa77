using System.Buffers;
using System.Text;
using Parley.Redis;
using Parley.Redis.Protocol;

namespace Parley.Tests.Redis;

public sealed class PubSubFrameTests
{
    [Theory]
    [InlineData("*3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$5\r\nhello\r\n")]
    [InlineData(">3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$5\r\nhello\r\n")]
    public void A_message_is_recognised_under_resp2_and_resp3(string wire)
    {
        var kind = PubSubFrame.Classify(Parse(wire), out var channel, out var payload);

        Assert.Equal(PubSubFrameKind.Message, kind);
        Assert.Equal("room", channel);
        Assert.Equal("hello", Encoding.UTF8.GetString(payload.Span));
    }

    [Theory]
    [InlineData("*3\r\n$9\r\nsubscribe\r\n$4\r\nroom\r\n:1\r\n")]
    [InlineData(">3\r\n$11\r\nunsubscribe\r\n$4\r\nroom\r\n:0\r\n")]
    [InlineData("-ERR only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n")]
    [InlineData("+PONG\r\n")]
    public void Confirmations_errors_and_other_replies_go_to_the_waiting_command(string wire)
    {
        Assert.Equal(PubSubFrameKind.Reply, PubSubFrame.Classify(Parse(wire), out _, out _));
    }

    [Fact]
    public void Other_resp3_pushes_are_ignored()
    {
        Assert.Equal(PubSubFrameKind.Ignored, PubSubFrame.Classify(Parse(">2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nkey\r\n"), out _, out _));
    }

    private static RespValue Parse(string wire)
    {
        Assert.True(RespReader.TryRead(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(wire)), out var value, out _));
        return value;
    }
}
