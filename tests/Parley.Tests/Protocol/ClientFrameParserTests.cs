using System.Buffers;
using System.Text;
using Parley.Node.Protocol;

namespace Parley.Tests.Protocol;

public sealed class ClientFrameParserTests
{
    /// <summary>One frame of every op, with the fields the op carries.</summary>
    public static TheoryData<string, string> EveryOp { get; } = new()
    {
        { """{"op":"connect","token":"t.k.n","resume":{"general":41,"random":0},"inbox":12}""", "Connect" },
        { """{"op":"refresh","rid":9,"token":"t.k.n"}""", "Refresh" },
        { """{"op":"join","rid":1,"room":"general","since":41}""", "Join" },
        { """{"op":"leave","rid":2,"room":"general"}""", "Leave" },
        { """{"op":"send","rid":3,"room":"general","id":"c-7f3a","body":{"text":"hi"}}""", "Send" },
        { """{"op":"signal","room":"general","body":{"typing":true}}""", "Signal" },
        { """{"op":"history","rid":5,"room":"general","before":40,"limit":50}""", "History" },
        { """{"op":"presence","rid":6,"room":"general"}""", "Presence" },
        { """{"op":"ping","rid":"p-1"}""", "Ping" },
        { """{"op":"pong"}""", "Pong" },
    };

    [Theory]
    [MemberData(nameof(EveryOp))]
    public void Every_op_parses(string json, string op)
    {
        var frame = Parse(json);

        Assert.Equal(op, frame.Op.ToString());
    }

    [Theory]
    [MemberData(nameof(EveryOp))]
    public void Every_prefix_of_a_frame_asks_for_more_and_the_whole_frame_parses(string json, string op)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(ClientFrameParser.TryParse(bytes.AsSpan(0, length), out var partial), $"The prefix of {length} bytes parsed as a whole frame.");
            Assert.Null(partial);
        }

        Assert.True(ClientFrameParser.TryParse(bytes, out var frame));
        Assert.Equal(op, frame!.Op.ToString());
    }

    [Fact]
    public void Connect_carries_its_token_resume_map_and_inbox_sequence()
    {
        var frame = Parse("""{"op":"connect","token":"t.k.n","resume":{"general":41,"random":0},"inbox":12}""");

        Assert.Equal("t.k.n", frame.Token);
        Assert.Equal(new Dictionary<string, long> { ["general"] = 41, ["random"] = 0 }, frame.Resume);
        Assert.Equal(12, frame.InboxSince);
        Assert.False(frame.Inbox);
        Assert.Null(frame.Rid);
    }

    [Fact]
    public void Join_carries_its_room_and_since()
    {
        var frame = Parse("""{"op":"join","rid":1,"room":"general","since":41}""");

        Assert.Equal("1", frame.Rid);
        Assert.Equal("general", frame.Room);
        Assert.Equal(41, frame.Since);
    }

    [Fact]
    public void A_direct_send_carries_its_recipient_id_and_body()
    {
        var frame = Parse("""{"op":"send","rid":4,"to":"bob","id":"c-7f3b","body":{"text":"psst"}}""");

        Assert.Equal("bob", frame.To);
        Assert.Null(frame.Room);
        Assert.Equal("c-7f3b", frame.Id);
        Assert.Equal("""{"text":"psst"}""", Encoding.UTF8.GetString(frame.Body!.Value.Span));
    }

    [Fact]
    public void History_carries_its_paging_fields_and_the_inbox_flag()
    {
        var before = Parse("""{"op":"history","rid":5,"room":"general","before":40,"limit":50}""");
        var after = Parse("""{"op":"history","inbox":true,"after":7}""");

        Assert.Equal((40L, (long?)null, 50), (before.Before!.Value, before.After, before.Limit!.Value));
        Assert.True(after.Inbox);
        Assert.Null(after.InboxSince);
        Assert.Equal(7, after.After);
        Assert.Null(after.Limit);
    }

    [Fact]
    public void Optional_fields_left_out_are_null()
    {
        var frame = Parse("""{"op":"ping"}""");

        Assert.Null(frame.Rid);
        Assert.Null(frame.Body);
        Assert.Null(frame.Since);
        Assert.Null(frame.Resume);
        Assert.False(frame.Inbox);
    }

    [Theory]
    [InlineData("""{"op":"send","room":"r","id":"m","body": { "text" : "h\u00e9 \"q\"" ,"n":[1, 2.50e3,null] } }""", """{ "text" : "h\u00e9 \"q\"" ,"n":[1, 2.50e3,null] }""")]
    [InlineData("""{"op":"send","body":"plain","id":"m"}""", "\"plain\"")]
    [InlineData("""{"op":"send","body":-12.5e-3}""", "-12.5e-3")]
    [InlineData("""{"op":"send","body":null}""", "null")]
    [InlineData("""{"op":"signal","body":[true,false,{}],"room":"r"}""", "[true,false,{}]")]
    [InlineData("{\"op\":\"send\",\"body\":{\"emoji\":\"\U0001F600 é\"}}", "{\"emoji\":\"\U0001F600 é\"}")]
    public void Body_is_kept_byte_for_byte(string json, string body)
    {
        var frame = Parse(json);

        Assert.Equal(Encoding.UTF8.GetBytes(body), frame.Body!.Value.ToArray());
    }

    [Fact]
    public void A_frame_split_across_buffer_segments_parses_like_a_contiguous_one()
    {
        var json = """{"op":"send","rid":"r-1","room":"general","id":"c-1","body":{"text":"split across segments","n":[1,2,3]}}""";
        var bytes = Encoding.UTF8.GetBytes(json);

        for (var size = 1; size <= 16; size++)
        {
            Assert.True(ClientFrameParser.TryParse(Segmented(bytes, size), out var frame));
            Assert.Equal("\"r-1\"", frame!.Rid);
            Assert.Equal("general", frame.Room);
            Assert.Equal("""{"text":"split across segments","n":[1,2,3]}""", Encoding.UTF8.GetString(frame.Body!.Value.Span));
        }
    }

    [Theory]
    [InlineData("""{"op":"ping","rid":7}""", "7")]
    [InlineData("""{"op":"ping","rid":-3}""", "-3")]
    [InlineData("""{"op":"ping","rid":"abc"}""", "\"abc\"")]
    [InlineData("""{"op":"ping","rid":"a\u00e9<b>+"}""", "\"a\\u00e9<b>+\"")]
    [InlineData("""{"op":"ping","rid":"tab\tand \"quote\""}""", "\"tab\\tand \\\"quote\\\"\"")]
    [InlineData("""{"op":"ping","rid":""}""", "\"\"")]
    public void Rid_is_kept_as_the_raw_json_to_echo(string json, string rid)
    {
        Assert.Equal(rid, Parse(json).Rid);
    }

    [Fact]
    public void A_rid_of_64_characters_is_accepted_and_one_of_65_is_refused()
    {
        var longest = new string('r', ClientFrameParser.MaxRidLength);

        Assert.Equal($"\"{longest}\"", Parse($$"""{"op":"ping","rid":"{{longest}}"}""").Rid);
        AssertMalformed($$"""{"op":"ping","rid":"{{longest}}r"}""", ErrorCodes.BadFrame);
    }

    [Fact]
    public void Unknown_fields_are_ignored_whatever_their_shape()
    {
        var frame = Parse("""{"future":{"nested":[1,{"a":null}],"s":"x"},"op":"join","flag":true,"room":"general","n":1.5,"list":[]}""");

        Assert.Equal("Join", frame.Op.ToString());
        Assert.Equal("general", frame.Room);
    }

    [Fact]
    public void White_space_around_the_frame_is_allowed()
    {
        Assert.Equal("Ping", Parse(" \r\n\t{ \"op\" : \"ping\" } \n").Op.ToString());
    }

    [Fact]
    public void An_unknown_op_is_refused_with_its_rid()
    {
        var before = AssertMalformed("""{"rid":7,"op":"dance"}""", ErrorCodes.UnknownOp);
        var after = AssertMalformed("""{"op":"dance","rid":"r-8"}""", ErrorCodes.UnknownOp);
        var none = AssertMalformed("""{"op":"Ping"}""", ErrorCodes.UnknownOp);

        Assert.Equal("7", before.Rid);
        Assert.Equal("\"r-8\"", after.Rid);
        Assert.Null(none.Rid);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("{op:\"ping\"}")]
    [InlineData("{'op':'ping'}")]
    [InlineData("""{"op":"ping",}""")]
    [InlineData("""{"op" "ping"}""")]
    [InlineData("""{"op":"ping" /* comment */}""")]
    [InlineData("""{"op":"ping"}}""")]
    public void Input_that_is_not_json_is_a_bad_frame(string json) => AssertMalformed(json, ErrorCodes.BadFrame);

    [Theory]
    [InlineData("""[{"op":"ping"}]""")]
    [InlineData("42")]
    [InlineData("-1")]
    [InlineData("4")]
    [InlineData("\"ping\"")]
    [InlineData("\"ping")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("  7")]
    public void A_frame_that_is_not_an_object_is_a_bad_frame(string json) => AssertMalformed(json, ErrorCodes.BadFrame);

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"rid":1,"room":"general"}""")]
    [InlineData("""{"op":null}""")]
    [InlineData("""{"op":5}""")]
    [InlineData("""{"op":["ping"]}""")]
    public void A_frame_without_a_string_op_is_a_bad_frame(string json) => AssertMalformed(json, ErrorCodes.BadFrame);

    [Theory]
    [InlineData("""{"op":"join","room":5}""")]
    [InlineData("""{"op":"join","room":null}""")]
    [InlineData("""{"op":"connect","token":{"jwt":"x"}}""")]
    [InlineData("""{"op":"send","to":["bob"]}""")]
    [InlineData("""{"op":"send","id":true}""")]
    [InlineData("""{"op":"join","since":"41"}""")]
    [InlineData("""{"op":"join","since":4.5}""")]
    [InlineData("""{"op":"join","since":99999999999999999999}""")]
    [InlineData("""{"op":"history","before":null}""")]
    [InlineData("""{"op":"history","after":[1]}""")]
    [InlineData("""{"op":"history","limit":"50"}""")]
    [InlineData("""{"op":"history","limit":0}""")]
    [InlineData("""{"op":"history","limit":-5}""")]
    [InlineData("""{"op":"history","limit":2.5}""")]
    [InlineData("""{"op":"history","limit":3000000000}""")]
    [InlineData("""{"op":"history","inbox":"yes"}""")]
    [InlineData("""{"op":"connect","inbox":-1}""")]
    [InlineData("""{"op":"connect","resume":[["general",1]]}""")]
    [InlineData("""{"op":"connect","resume":{"general":"41"}}""")]
    [InlineData("""{"op":"connect","resume":{"general":null}}""")]
    [InlineData("""{"op":"ping","rid":true}""")]
    [InlineData("""{"op":"ping","rid":1.5}""")]
    [InlineData("""{"op":"ping","rid":{"n":1}}""")]
    [InlineData("""{"op":"ping","rid":null}""")]
    public void A_field_of_the_wrong_type_is_a_bad_frame(string json) => AssertMalformed(json, ErrorCodes.BadFrame);

    [Theory]
    [InlineData("since")]
    [InlineData("before")]
    [InlineData("after")]
    public void A_negative_sequence_is_a_bad_frame(string field)
    {
        AssertMalformed($$"""{"op":"history","room":"general","{{field}}":-1}""", ErrorCodes.BadFrame);
    }

    [Fact]
    public void A_negative_sequence_in_resume_is_a_bad_frame()
    {
        AssertMalformed("""{"op":"connect","resume":{"general":-1}}""", ErrorCodes.BadFrame);
    }

    [Theory]
    [InlineData("""{"op":"ping"}x""")]
    [InlineData("""{"op":"ping"}{"op":"pong"}""")]
    [InlineData("""{"op":"ping"} 1""")]
    [InlineData("""{"op":"ping"}""" + "\0")]
    public void Data_after_the_frame_object_is_a_bad_frame(string json) => AssertMalformed(json, ErrorCodes.BadFrame);

    [Fact]
    public void Nesting_deeper_than_the_limit_is_a_bad_frame()
    {
        var deepBody = $$"""{"op":"send","body":{{new string('[', 100)}}{{new string(']', 100)}}}""";
        var deepUnknown = $$"""{"op":"ping","x":{{string.Concat(Enumerable.Repeat("{\"a\":", 100))}}1{{new string('}', 100)}}}""";

        AssertMalformed(deepBody, ErrorCodes.BadFrame);
        AssertMalformed(deepUnknown, ErrorCodes.BadFrame);
    }

    [Fact]
    public void Nesting_within_the_limit_is_accepted()
    {
        var body = new string('[', 60) + new string(']', 60);

        Assert.Equal(body, Encoding.UTF8.GetString(Parse($$"""{"op":"send","body":{{body}}}""").Body!.Value.Span));
    }

    [Fact]
    public void A_resume_naming_more_rooms_than_allowed_is_a_bad_frame()
    {
        var rooms = string.Join(",", Enumerable.Range(0, ClientFrameParser.MaxResumeRooms + 1).Select(i => $"\"r{i}\":1"));
        var allowed = string.Join(",", Enumerable.Range(0, ClientFrameParser.MaxResumeRooms).Select(i => $"\"r{i}\":1"));

        AssertMalformed("""{"op":"connect","resume":{""" + rooms + "}}", ErrorCodes.BadFrame);
        Assert.Equal(ClientFrameParser.MaxResumeRooms, Parse("""{"op":"connect","resume":{""" + allowed + "}}").Resume!.Count);
    }

    [Fact]
    public void Invalid_utf8_in_a_string_is_a_bad_frame()
    {
        byte[] bytes = [.. "{\"op\":\"join\",\"room\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        var error = Assert.Throws<ProtocolException>(() => ClientFrameParser.TryParse(bytes, out _));
        Assert.Equal(ErrorCodes.BadFrame, error.Code);
    }

    [Theory]
    [InlineData("\"\\ud800\"")]
    [InlineData("\"\\udc00\"")]
    [InlineData("\"\\ude00\\ud83d\"")]
    [InlineData("\"\\ud83dx\"")]
    [InlineData("\"\\ud83d\\u0041\"")]
    [InlineData("""{"text":["ok","\ud800"]}""")]
    [InlineData("""{"\ud800":1}""")]
    public void A_body_with_an_unpaired_surrogate_escape_is_a_bad_frame(string body)
    {
        foreach (var op in new[] { "send", "signal" })
        {
            AssertMalformed($$"""{"op":"{{op}}","rid":1,"room":"general","id":"m-1","body":{{body}}}""", ErrorCodes.BadFrame);
        }
    }

    [Fact]
    public void A_body_with_invalid_utf8_inside_a_string_is_a_bad_frame()
    {
        byte[] bytes = [.. "{\"op\":\"send\",\"room\":\"general\",\"id\":\"m-1\",\"body\":{\"text\":\""u8, 0xED, 0xA0, 0x80, .. "\"}}"u8];

        var error = Assert.Throws<ProtocolException>(() => ClientFrameParser.TryParse(bytes, out _));
        Assert.Equal(ErrorCodes.BadFrame, error.Code);
    }

    [Fact]
    public void A_body_with_a_surrogate_pair_escape_is_kept_exactly_as_sent()
    {
        const string Body = """{"text":"\ud83d\ude00 and \u00e9 and \u00E9"}""";

        var frame = Parse($$"""{"op":"send","rid":1,"room":"general","id":"m-1","body":{{Body}}}""");

        Assert.Equal(Body, Encoding.UTF8.GetString(frame.Body!.Value.Span));
    }

    private static ClientFrame Parse(string json)
    {
        Assert.True(ClientFrameParser.TryParse(Encoding.UTF8.GetBytes(json), out var frame), $"Expected a whole frame: {json}");
        return frame!;
    }

    private static ProtocolException AssertMalformed(string json, string code)
    {
        var error = Assert.Throws<ProtocolException>(() => ClientFrameParser.TryParse(Encoding.UTF8.GetBytes(json), out _));
        Assert.Equal(code, error.Code);
        return error;
    }

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        var first = new Segment(bytes.AsMemory(0, Math.Min(segmentSize, bytes.Length)), 0);
        var last = first;
        for (var offset = segmentSize; offset < bytes.Length; offset += segmentSize)
        {
            last = last.Append(bytes.AsMemory(offset, Math.Min(segmentSize, bytes.Length - offset)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
