using System.Net.WebSockets;
using System.Text;
using Parley.Node.Connections;

namespace Parley.Tests.Connections;

public sealed class CoalescingStreamTests
{
    [Theory]
    [InlineData(0, new byte[] { 0x81, 0 })]
    [InlineData(125, new byte[] { 0x81, 125 })]
    [InlineData(126, new byte[] { 0x81, 126, 0, 126 })]
    [InlineData(65535, new byte[] { 0x81, 126, 0xFF, 0xFF })]
    [InlineData(65536, new byte[] { 0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0 })]
    public void A_text_frame_header_carries_the_length_in_the_shortest_form(int length, byte[] expected)
    {
        var header = new byte[WebSocketFrameHeader.MaxLength];

        var written = WebSocketFrameHeader.WriteText(header, length);

        Assert.Equal(expected, header[..written]);
    }

    [Fact]
    public async Task Appended_frames_wait_for_the_send_and_then_leave_in_one_write()
    {
        var inner = new RecordingStream();
        var stream = new CoalescingStream(inner);

        stream.AppendTextFrame("one"u8);
        stream.AppendTextFrame("two"u8);
        Assert.Empty(inner.Writes);
        Assert.Equal(10, stream.PendingBytes);

        await stream.SendAppendedAsync(CancellationToken.None);

        Assert.Single(inner.Writes);
        Assert.Equal(0, stream.PendingBytes);
        Assert.Equal(["one", "two"], await ReadMessagesAsync(inner.Written, 2));
    }

    [Fact]
    public async Task Frames_of_every_size_are_read_back_whole_and_in_order_by_a_websocket_client()
    {
        var inner = new RecordingStream();
        var stream = new CoalescingStream(inner);
        var messages = new[] { 0, 1, 125, 126, 4000, 65535, 65536, 200_000 }.Select(n => new string('x', n) + n).ToArray();

        foreach (var message in messages)
        {
            stream.AppendTextFrame(Encoding.UTF8.GetBytes(message));
        }

        await stream.SendAppendedAsync(CancellationToken.None);

        Assert.Equal(messages, await ReadMessagesAsync(inner.Written, messages.Length));
    }

    [Fact]
    public async Task Frames_appended_as_a_batch_are_the_same_bytes_as_frames_appended_one_by_one()
    {
        var sizes = new[] { 0, 1, 125, 126, 4000, 65535, 65536 };
        var frames = sizes.Select(n => new OutboundFrame(Encoding.UTF8.GetBytes(new string('y', n)), Parley.Node.Rooms.FrameClass.MustDeliver)).ToArray();
        var oneByOne = new RecordingStream();
        var batched = new RecordingStream();
        var single = new CoalescingStream(oneByOne);
        var batch = new CoalescingStream(batched);

        foreach (var frame in frames)
        {
            single.AppendTextFrame(frame.Data.Span);
        }

        var pending = batch.AppendTextFrames(frames);
        Assert.Equal(single.PendingBytes, pending);
        await single.SendAppendedAsync(CancellationToken.None);
        await batch.SendAppendedAsync(CancellationToken.None);

        Assert.Equal(oneByOne.Written, batched.Written);
        Assert.Single(batched.Writes);
    }

    [Fact]
    public async Task A_write_of_the_websocket_goes_out_at_once_after_what_was_appended_before_it()
    {
        var inner = new RecordingStream();
        var stream = new CoalescingStream(inner);
        stream.AppendTextFrame("data"u8);

        // A whole frame written by the WebSocket itself, e.g. a pong or its close.
        await stream.WriteAsync(Frame("pong"));

        Assert.Single(inner.Writes);
        Assert.Equal(["data", "pong"], await ReadMessagesAsync(inner.Written, 2));
    }

    [Fact]
    public async Task What_is_written_while_a_send_is_under_way_is_sent_by_that_send_never_alongside_it()
    {
        var inner = new RecordingStream { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var stream = new CoalescingStream(inner);
        stream.AppendTextFrame("first"u8);
        var sending = stream.SendAppendedAsync(CancellationToken.None).AsTask();

        stream.AppendTextFrame("second"u8);
        var pong = stream.WriteAsync(Frame("third")).AsTask();
        var again = stream.SendAppendedAsync(CancellationToken.None).AsTask();
        Assert.True(pong.IsCompleted);
        Assert.False(again.IsCompleted, "the writer waits for the round under way, which takes its frames");
        Assert.Single(inner.Writes);

        inner.Gate.SetResult();
        await sending;
        await again;

        Assert.Equal(2, inner.Writes.Count);
        Assert.Equal(1, inner.MostConcurrentWrites);
        Assert.Equal(["first", "second", "third"], await ReadMessagesAsync(inner.Written, 3));
    }

    [Fact]
    public async Task Nothing_is_held_once_everything_was_sent()
    {
        var inner = new RecordingStream();
        var stream = new CoalescingStream(inner);
        Assert.Equal(0, stream.PendingBytes);

        stream.AppendTextFrame(new byte[50_000]);
        await stream.SendAppendedAsync(CancellationToken.None);
        await stream.FlushAsync();

        Assert.Equal(0, stream.PendingBytes);
        Assert.Single(inner.Writes);
    }

    [Fact]
    public async Task A_writer_that_waited_for_a_round_leaves_nothing_behind_and_the_next_wait_after_idling_works_the_same()
    {
        var inner = new RecordingStream { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var stream = new CoalescingStream(inner);
        var control = stream.WriteAsync(Frame("pong")).AsTask();
        stream.AppendTextFrame("first"u8);
        var waiting = stream.SendAppendedAsync(CancellationToken.None).AsTask();
        inner.Gate.SetResult();
        await control;
        await waiting;

        Assert.False(stream.HoldsRound, "an idle stream holds no completion source of a finished round");

        // After idling, a writer waiting behind the WebSocket's own write is released as before.
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        inner.Stall = stalled;
        var second = stream.WriteAsync(Frame("pong")).AsTask();
        stream.AppendTextFrame("second"u8);
        var again = stream.SendAppendedAsync(CancellationToken.None).AsTask();
        Assert.False(again.IsCompleted, "the writer waits for the round under way");
        stalled.SetResult();
        await second;
        await again;

        Assert.False(stream.HoldsRound);
        Assert.Equal(["pong", "first", "pong", "second"], await ReadMessagesAsync(inner.Written, 4));
    }

    private static byte[] Frame(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var header = new byte[WebSocketFrameHeader.MaxLength];
        var length = WebSocketFrameHeader.WriteText(header, payload.Length);
        return [.. header[..length], .. payload];
    }

    /// <summary>Reads <paramref name="count"/> text messages from the bytes a server wrote, as a client would.</summary>
    private static async Task<List<string>> ReadMessagesAsync(byte[] written, int count)
    {
        using var client = WebSocket.CreateFromStream(new MemoryStream(written), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        var messages = new List<string>();
        var buffer = new byte[300_000];
        while (messages.Count < count)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await client.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, length));
        }

        return messages;
    }

    /// <summary>Records every write it is given; with <see cref="Gate"/> set, the first write waits on it.</summary>
    [Fact]
    public async Task The_writer_waits_for_a_control_frame_send_under_way_so_a_stalled_client_pushes_back()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new RecordingStream { Gate = gate };
        var stream = new CoalescingStream(inner);

        // The WebSocket's own write (a pong, say) stalls on a client that stopped reading.
        var control = stream.WriteAsync(new byte[] { 0x8A, 0 }).AsTask();
        stream.AppendTextFrame("queued"u8);
        var send = stream.SendAppendedAsync(CancellationToken.None).AsTask();
        Assert.False(send.IsCompleted, "the writer must wait for the stalled round, not keep appending");

        gate.SetResult();
        await control;
        await send;
        Assert.Equal(0, stream.PendingBytes);
        Assert.Equal(2, inner.Writes.Count);
    }

    [Fact]
    public async Task Control_frames_behind_a_stalled_write_are_charged_and_refunded_and_one_past_the_budget_closes_the_connection()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new RecordingStream { Gate = gate };
        var budget = new Budget(limit: 20);
        var stream = new CoalescingStream(inner) { Budget = budget };
        stream.AppendTextFrame("stalled"u8);
        var send = stream.SendAppendedAsync(CancellationToken.None);

        await stream.WriteAsync(new byte[8]);
        await stream.WriteAsync(new byte[8]);
        await stream.WriteAsync(new byte[8]);

        Assert.Equal(16, budget.Charged);
        Assert.Equal(1, budget.Exceeded);
        Assert.Equal(16, stream.PendingBytes);
        gate.SetResult();
        await send;
        Assert.Equal(0, budget.Charged);
    }

    [Fact]
    public async Task Before_the_connection_has_a_budget_control_frames_behind_a_stalled_write_are_bounded_too()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = new CoalescingStream(new RecordingStream { Gate = gate });
        stream.AppendTextFrame("stalled"u8);
        var send = stream.SendAppendedAsync(CancellationToken.None);
        var pong = new byte[127];

        for (var i = 0; i < CoalescingStream.UnattachedControlBytes / pong.Length; i++)
        {
            await stream.WriteAsync(pong);
        }

        await Assert.ThrowsAsync<IOException>(async () => await stream.WriteAsync(pong));
        gate.SetResult();
        await send;
    }

    private sealed class Budget(long limit) : IOutboundBudget
    {
        public long Charged { get; private set; }

        public int Exceeded { get; private set; }

        public bool TryCharge(int bytes)
        {
            if (Charged + bytes > limit)
            {
                return false;
            }

            Charged += bytes;
            return true;
        }

        public void Refund(long bytes) => Charged -= bytes;

        void IOutboundBudget.Exceeded() => Exceeded++;
    }

    private sealed class RecordingStream : Stream
    {
        private readonly MemoryStream _all = new();
        private int _concurrent;

        public List<byte[]> Writes { get; } = [];

        public TaskCompletionSource? Gate { get; init; }

        /// <summary>When set, the next write waits on it (once).</summary>
        public TaskCompletionSource? Stall { get; set; }

        public int MostConcurrentWrites { get; private set; }

        public byte[] Written => _all.ToArray();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _all.Length;

        public override long Position { get => _all.Position; set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            MostConcurrentWrites = Math.Max(MostConcurrentWrites, Interlocked.Increment(ref _concurrent));
            Writes.Add(buffer.ToArray());
            _all.Write(buffer.Span);
            if (Writes.Count == 1 && Gate is { } gate)
            {
                await gate.Task;
            }
            else if (Stall is { } stall)
            {
                Stall = null;
                await stall.Task;
            }

            Interlocked.Decrement(ref _concurrent);
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
