using System.Buffers;
using System.Text;
using Parley.Node.Connections.Upgrade;

namespace Parley.Tests.Connections;

/// <summary>The direct upgrade takes only plain, complete upgrade heads; everything else is left to the HTTP pipeline (null here).</summary>
public sealed class UpgradeRequestTests
{
    private const string Key = "dGhlIHNhbXBsZSBub25jZQ==";

    private static string Head(string requestLine = "GET /v1/ws HTTP/1.1", params string[] headers)
        => requestLine + "\r\n" + string.Join("", headers.Select(h => h + "\r\n")) + "\r\n";

    private static readonly string[] Plain =
    [
        "Host: 127.0.0.1:5000", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: " + Key,
    ];

    private static UpgradeRequest? Parse(string text, bool split = false)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        if (!split)
        {
            return UpgradeRequest.TryParse(new ReadOnlySequence<byte>(bytes), "/v1/ws");
        }

        var first = new Segment(bytes.AsMemory(0, bytes.Length / 2));
        var last = first.Append(bytes.AsMemory(bytes.Length / 2));
        return UpgradeRequest.TryParse(new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length), "/v1/ws");
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("GE", true)]
    [InlineData("GET /v1", true)]
    [InlineData("GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgr", true)]
    [InlineData("GET /v1/ws HTTP/1.1\r\nHost: x\r\n\r\n", false)]
    [InlineData("POST /api/v1/rooms/a/messages HTTP/1.1\r\n", false)]
    [InlineData("GET /api/v1/health", false)]
    [InlineData("\u0016\u0003\u0001\u0002\u0000", false)]
    public void Only_the_unfinished_start_of_an_upgrade_to_the_path_is_waited_for(string arrived, bool wait)
    {
        var bytes = Encoding.Latin1.GetBytes(arrived);

        Assert.Equal(wait, UpgradeRequest.MayBecomeUpgrade(new ReadOnlySequence<byte>(bytes), "/v1/ws"));
    }

    [Fact]
    public void A_head_that_reaches_the_largest_size_read_here_is_not_waited_for()
    {
        var bytes = Encoding.ASCII.GetBytes("GET /v1/ws HTTP/1.1\r\nX-Long: " + new string('a', UpgradeRequest.MaxHeadBytes));

        Assert.False(UpgradeRequest.MayBecomeUpgrade(new ReadOnlySequence<byte>(bytes), "/v1/ws"));
    }

    [Fact]
    public void A_plain_upgrade_is_taken_with_its_key_and_head_length()
    {
        var head = Head(headers: Plain);
        var request = Parse(head + "trailing frame bytes");

        Assert.NotNull(request);
        Assert.Equal(Key, request.Key);
        Assert.Equal(head.Length, request.HeadLength);
        Assert.Null(request.Bearer);
    }

    [Fact]
    public void A_head_split_over_buffer_segments_is_read_whole()
    {
        Assert.Equal(Key, Parse(Head(headers: Plain), split: true)?.Key);
    }

    [Fact]
    public void Header_names_and_tokens_match_in_any_case_and_in_lists()
    {
        var request = Parse(Head("GET /v1/ws?client=web HTTP/1.1", "HOST: x", "upgrade: WebSocket", "connection: keep-alive, UPGRADE", "sec-websocket-version: 13", "SEC-WEBSOCKET-KEY:" + Key));

        Assert.NotNull(request);
    }

    [Fact]
    public void The_bearer_token_of_the_authorization_header_is_kept()
    {
        Assert.Equal("abc.def.ghi", Parse(Head(headers: [.. Plain, "Authorization: bearer  abc.def.ghi "]))?.Bearer);
        Assert.Null(Parse(Head(headers: [.. Plain, "Authorization: Basic dXNlcjpwYXNz"]))!.Bearer);
    }

    [Theory]
    [InlineData("POST /v1/ws HTTP/1.1")]
    [InlineData("GET /v1/wsx HTTP/1.1")]
    [InlineData("GET /v1/WS HTTP/1.1")]
    [InlineData("GET /v1/ws HTTP/1.0")]
    [InlineData("GET  /v1/ws HTTP/1.1")]
    [InlineData("GET http://host/v1/ws HTTP/1.1")]
    public void Other_request_lines_are_left_to_the_http_pipeline(string requestLine)
    {
        Assert.Null(Parse(Head(requestLine, Plain)));
    }

    [Theory]
    [InlineData("Host: 127.0.0.1:5000")]
    [InlineData("Upgrade: websocket")]
    [InlineData("Connection: Upgrade")]
    [InlineData("Sec-WebSocket-Version: 13")]
    [InlineData("Sec-WebSocket-Key: " + Key)]
    public void A_head_missing_a_required_header_is_left_to_the_http_pipeline(string missing)
    {
        Assert.Null(Parse(Head(headers: [.. Plain.Where(h => h != missing)])));
    }

    [Theory]
    [InlineData("Sec-WebSocket-Version: 8")]
    [InlineData("Sec-WebSocket-Key: c2hvcnQ=")]
    [InlineData("Content-Length: 5")]
    [InlineData("Transfer-Encoding: chunked")]
    [InlineData("Host: second")]
    [InlineData("Bad Header : x")]
    [InlineData(" folded continuation")]
    [InlineData("NoColon")]
    [InlineData("X-Control: a\u0001b")]
    public void Unusual_or_malformed_headers_are_left_to_the_http_pipeline(string header)
    {
        Assert.Null(Parse(Head(headers: [.. Plain, header])));
    }

    [Fact]
    public void An_incomplete_head_is_left_to_the_http_pipeline()
    {
        var head = Head(headers: Plain);
        Assert.Null(Parse(head[..^2]));
        Assert.Null(Parse(""));
    }

    [Fact]
    public void A_head_longer_than_the_limit_is_left_to_the_http_pipeline()
    {
        Assert.Null(Parse(Head(headers: [.. Plain, "Cookie: " + new string('c', UpgradeRequest.MaxHeadBytes)])));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
