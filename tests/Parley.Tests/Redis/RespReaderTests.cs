using System.Buffers;
using System.Numerics;
using System.Text;
using Parley.Redis;
using Parley.Redis.Protocol;

namespace Parley.Tests.Redis;

public sealed class RespReaderTests
{
    /// <summary>One reply of every kind, RESP2 and RESP3, including nesting and every null form.</summary>
    public static TheoryData<string> EveryKindOfReply => new()
    {
        "+OK\r\n",
        "+\r\n",
        "-ERR unknown command 'FOO'\r\n",
        ":0\r\n",
        ":-9223372036854775808\r\n",
        "$5\r\nhello\r\n",
        "$0\r\n\r\n",
        "$4\r\na\r\nb\r\n",
        "$-1\r\n",
        "*-1\r\n",
        "*0\r\n",
        "*3\r\n$1\r\na\r\n:1\r\n$-1\r\n",
        "*2\r\n*2\r\n+a\r\n*1\r\n:1\r\n*0\r\n",
        "_\r\n",
        "#t\r\n",
        "#f\r\n",
        ",3.25\r\n",
        ",-inf\r\n",
        ",nan\r\n",
        ",1.5e10\r\n",
        "(-3492890328409238509324850943850943825024385\r\n",
        "!21\r\nSYNTAX invalid syntax\r\n",
        "=15\r\ntxt:Some string\r\n",
        "%2\r\n+first\r\n:1\r\n+second\r\n*2\r\n:2\r\n%1\r\n+deep\r\n_\r\n",
        "%0\r\n",
        "~3\r\n+a\r\n:1\r\n#f\r\n",
        "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n:42\r\n",
        ">3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$5\r\nhello\r\n",
    };

    [Theory]
    [MemberData(nameof(EveryKindOfReply))]
    public void Every_strict_prefix_of_a_reply_needs_more_bytes_and_the_whole_reply_parses(string wire)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(RespReader.TryRead(Segments.Of(bytes.AsSpan(0, length)), out _, out _), $"{length} of {bytes.Length} bytes parsed as a whole reply");
            Assert.False(RespReader.TryRead(new ReadOnlySequence<byte>(bytes, 0, length), out _, out _));
        }

        var sequence = Segments.Of(bytes);
        Assert.True(RespReader.TryRead(sequence, out _, out var end));
        Assert.Equal(bytes.Length, sequence.Slice(0, end).Length);
    }

    [Fact]
    public void Simple_string_and_error_keep_their_text()
    {
        var ok = Parse("+OK\r\n");
        Assert.Equal(RespType.SimpleString, ok.Type);
        Assert.Equal("OK", ok.AsString());

        var error = Parse("-WRONGTYPE Operation against a key\r\n");
        Assert.Equal(RespType.Error, error.Type);
        Assert.True(error.IsError);
        Assert.Equal("WRONGTYPE Operation against a key", error.AsString());
    }

    [Fact]
    public void Integers_parse_to_their_full_range()
    {
        Assert.Equal(long.MinValue, Parse(":-9223372036854775808\r\n").AsInt64());
        Assert.Equal(long.MaxValue, Parse(":9223372036854775807\r\n").AsInt64());
        Assert.Equal(RespType.Integer, Parse(":7\r\n").Type);
    }

    [Fact]
    public void Bulk_strings_are_binary_safe()
    {
        var value = Parse("$6\r\n\r\n\0\u00ff\r\n\r\n", Encoding.Latin1);
        Assert.Equal(RespType.BulkString, value.Type);
        Assert.Equal(new byte[] { 13, 10, 0, 255, 13, 10 }, value.AsBytes());
        Assert.Empty(Parse("$0\r\n\r\n").AsBytes()!);
    }

    [Theory]
    [InlineData("$-1\r\n")]
    [InlineData("*-1\r\n")]
    [InlineData("_\r\n")]
    public void Every_null_form_is_null(string wire)
    {
        var value = Parse(wire);
        Assert.Equal(RespType.Null, value.Type);
        Assert.True(value.IsNull);
        Assert.Null(value.AsString());
        Assert.Null(value.AsBytes());
    }

    [Fact]
    public void Nested_arrays_keep_their_shape_and_order()
    {
        var value = Parse("*3\r\n:1\r\n*2\r\n+a\r\n*1\r\n$1\r\nb\r\n*0\r\n");
        Assert.Equal(RespType.Array, value.Type);
        Assert.Equal(3, value.Items.Count);
        Assert.Equal(1, value.Items[0].AsInt64());
        Assert.Equal("a", value.Items[1].Items[0].AsString());
        Assert.Equal("b", value.Items[1].Items[1].Items[0].AsString());
        Assert.Empty(value.Items[2].Items);
    }

    [Fact]
    public void Maps_hold_keys_and_values_alternately_and_may_nest()
    {
        var value = Parse("%2\r\n+first\r\n:1\r\n+second\r\n%1\r\n+deep\r\n#t\r\n");
        Assert.Equal(RespType.Map, value.Type);
        Assert.Equal(["first", "1", "second"], value.Items.Take(3).Select(v => v.AsString()));
        var inner = value.Items[3];
        Assert.Equal(RespType.Map, inner.Type);
        Assert.Equal("deep", inner.Items[0].AsString());
        Assert.True(inner.Items[1].AsBoolean());
    }

    [Fact]
    public void Sets_and_pushes_are_aggregates_of_their_own_type()
    {
        var set = Parse("~2\r\n+a\r\n+b\r\n");
        Assert.Equal(RespType.Set, set.Type);
        Assert.Equal(["a", "b"], set.Items.Select(v => v.AsString()));

        var push = Parse(">3\r\n$7\r\nmessage\r\n$4\r\nroom\r\n$2\r\nhi\r\n");
        Assert.Equal(RespType.Push, push.Type);
        Assert.Equal(["message", "room", "hi"], push.Items.Select(v => v.AsString()));
    }

    [Fact]
    public void Booleans_doubles_and_big_numbers_read_as_their_values()
    {
        Assert.True(Parse("#t\r\n").AsBoolean());
        Assert.False(Parse("#f\r\n").AsBoolean());
        Assert.Equal(3.25, Parse(",3.25\r\n").AsDouble());
        Assert.Equal(1.5e10, Parse(",1.5e10\r\n").AsDouble());
        Assert.Equal(10, Parse(",10\r\n").AsDouble());
        Assert.Equal(double.PositiveInfinity, Parse(",inf\r\n").AsDouble());
        Assert.Equal(double.NegativeInfinity, Parse(",-inf\r\n").AsDouble());
        Assert.True(double.IsNaN(Parse(",nan\r\n").AsDouble()));

        var big = Parse("(-3492890328409238509324850943850943825024385\r\n");
        Assert.Equal(RespType.BigNumber, big.Type);
        Assert.Equal(BigInteger.Parse("-3492890328409238509324850943850943825024385"), big.AsBigInteger());
    }

    [Fact]
    public void Bulk_errors_are_errors_and_verbatim_strings_drop_their_format()
    {
        var error = Parse("!21\r\nSYNTAX invalid syntax\r\n");
        Assert.Equal(RespType.BulkError, error.Type);
        Assert.True(error.IsError);
        Assert.Equal("SYNTAX invalid syntax", error.AsString());

        var verbatim = Parse("=15\r\ntxt:Some string\r\n");
        Assert.Equal(RespType.VerbatimString, verbatim.Type);
        Assert.Equal("Some string", verbatim.AsString());
    }

    [Fact]
    public void Attributes_are_skipped_and_the_reply_they_annotate_is_returned()
    {
        var value = Parse("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2\r\n:3\r\n");
        Assert.Equal(RespType.Array, value.Type);
        Assert.Equal([2L, 3L], value.Items.Select(v => v.AsInt64()));
    }

    [Fact]
    public void Only_the_first_of_two_buffered_replies_is_consumed()
    {
        var bytes = "+first\r\n:2\r\n"u8.ToArray();
        var sequence = Segments.Of(bytes, 3);
        Assert.True(RespReader.TryRead(sequence, out var first, out var end));
        Assert.Equal("first", first.AsString());

        var rest = sequence.Slice(end);
        Assert.Equal(4, rest.Length);
        Assert.True(RespReader.TryRead(rest, out var second, out _));
        Assert.Equal(2, second.AsInt64());
    }

    [Fact]
    public void A_huge_claimed_length_waits_for_its_bytes_instead_of_allocating()
    {
        Assert.False(RespReader.TryRead(Segments.Of("*1000000000\r\n:1\r\n"u8), out _, out _));
        Assert.False(RespReader.TryRead(Segments.Of("$536870912\r\nabc"u8), out _, out _));
    }

    [Theory]
    [InlineData("?x\r\n")]
    [InlineData("x")]
    [InlineData("$abc\r\n")]
    [InlineData("$-2\r\n")]
    [InlineData("$536870913\r\n")]
    [InlineData("*-5\r\n")]
    [InlineData("%-1\r\n")]
    [InlineData("*?\r\n")]
    [InlineData(":12a\r\n")]
    [InlineData(":+5\r\n")]
    [InlineData(":\r\n")]
    [InlineData(":123456789012345678901234")]
    [InlineData(":12\rX")]
    [InlineData("+OK\rOK\r\n")]
    [InlineData("$3\r\nabcXY")]
    [InlineData("$3\r\nabc\rX")]
    [InlineData("_x\r\n")]
    [InlineData("#x\r\n")]
    [InlineData("#\r\n")]
    [InlineData(",abc\r\n")]
    [InlineData(", 1\r\n")]
    [InlineData("(12a\r\n")]
    [InlineData("(-\r\n")]
    [InlineData("=3\r\nabc\r\n")]
    [InlineData("*2\r\n:1\r\n?\r\n")]
    [InlineData("%1\r\n+key\r\n:x\r\n")]
    public void Malformed_input_throws(string wire)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        Assert.Throws<RespProtocolException>(() => RespReader.TryRead(Segments.Of(bytes), out _, out _));
        Assert.Throws<RespProtocolException>(() => RespReader.TryRead(new ReadOnlySequence<byte>(bytes), out _, out _));
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_throws()
    {
        var wire = string.Concat(Enumerable.Repeat("*1\r\n", RespReader.MaxDepth + 2)) + ":1\r\n";
        Assert.Throws<RespProtocolException>(() => RespReader.TryRead(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire)), out _, out _));
    }

    [Fact]
    public void Reading_a_reply_as_the_wrong_kind_names_the_kind_that_came()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Parse("+OK\r\n").AsInt64());
        Assert.Contains("SimpleString", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => Parse(":1\r\n").Items);
    }

    [Fact]
    public void Numbers_sent_as_strings_read_as_numbers()
    {
        Assert.Equal(42, Parse("$2\r\n42\r\n").AsInt64());
        Assert.Equal(2.5, Parse("$3\r\n2.5\r\n").AsDouble());
    }

    private static RespValue Parse(string wire, Encoding? encoding = null)
    {
        var bytes = (encoding ?? Encoding.UTF8).GetBytes(wire);
        Assert.True(RespReader.TryRead(new ReadOnlySequence<byte>(bytes), out var value, out var end));
        Assert.Equal(bytes.Length, new ReadOnlySequence<byte>(bytes).Slice(0, end).Length);
        return value;
    }
}
