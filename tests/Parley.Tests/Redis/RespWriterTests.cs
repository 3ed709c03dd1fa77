using System.Buffers;
using System.Text;
using Parley.Redis;
using Parley.Redis.Protocol;

namespace Parley.Tests.Redis;

public sealed class RespWriterTests
{
    [Fact]
    public void A_command_is_an_array_of_bulk_strings()
    {
        Assert.Equal("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", Write("SET", "key", "value"));
    }

    [Fact]
    public void A_command_without_arguments_is_an_array_of_one()
    {
        Assert.Equal("*1\r\n$4\r\nPING\r\n", Write("PING"));
    }

    [Fact]
    public void Text_lengths_count_utf8_bytes_not_characters()
    {
        // "café €": é takes two bytes and € three, so nine bytes for six characters.
        Assert.Equal("*2\r\n$4\r\nECHO\r\n$9\r\ncaf\u00e9 \u20ac\r\n", Write("ECHO", "caf\u00e9 \u20ac"));
    }

    [Fact]
    public void Bytes_are_written_as_they_are()
    {
        var output = new ArrayBufferWriter<byte>();
        RespWriter.WriteCommand(output, "SET", ["k", new byte[] { 0, 13, 10, 255 }]);
        Assert.Equal([.. "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n"u8, 0, 13, 10, 255, .. "\r\n"u8], output.WrittenSpan.ToArray());
    }

    [Fact]
    public void Numbers_are_written_in_invariant_form()
    {
        Assert.Equal("*5\r\n$4\r\nZADD\r\n$1\r\nz\r\n$4\r\n-1.5\r\n$2\r\n42\r\n$4\r\n+inf\r\n", Write("ZADD", "z", -1.5, 42, double.PositiveInfinity));
    }

    [Fact]
    public void Many_arguments_encode_their_count_and_every_length()
    {
        var args = Enumerable.Range(0, 1000).Select(i => (RedisArg)new string('x', i)).ToArray();
        var written = Write("RPUSH", args);
        Assert.StartsWith("*1001\r\n$5\r\nRPUSH\r\n$0\r\n\r\n$1\r\nx\r\n", written, StringComparison.Ordinal);
        Assert.EndsWith($"$999\r\n{new string('x', 999)}\r\n", written, StringComparison.Ordinal);
    }

    private static string Write(string command, params RedisArg[] args)
    {
        var output = new ArrayBufferWriter<byte>(1);
        RespWriter.WriteCommand(output, command, args);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
