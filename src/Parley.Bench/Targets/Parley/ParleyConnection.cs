using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using Parley.Bench.Transport;

namespace Parley.Bench.Targets.Parley;

/// <summary>
/// One Parley connection: requests carry a numeric <c>rid</c> that finds their pending reply;
/// <c>msg</c> frames go to the sink with their room slot (or -1 for the inbox) and sequence;
/// server pings are answered so an idle connection is never closed for silence.
/// </summary>
internal sealed class ParleyConnection(ClientWebSocket socket, IDeliverySink sink, string padding, TimeSpan handshakeTimeout)
    : WebSocketConnection(socket, sink)
{
    private static readonly byte[] Pong = """{"op":"pong"}"""u8.ToArray();

    private readonly ConcurrentDictionary<long, Pending> _pending = new();
    private readonly TaskCompletionSource<long> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _rid;

    public async Task HandshakeAsync(string token, ConnectRequest request, CancellationToken cancellationToken)
    {
        foreach (var (room, _) in request.Resume)
        {
            Rooms.Add(room);
        }

        StartReading();
        var frame = FrameBuilder.Build((token, request), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("op"u8, "connect"u8);
            w.WriteString("token"u8, s.token);
            if (s.request.Resume.Count > 0)
            {
                w.WriteStartObject("resume"u8);
                foreach (var (room, since) in s.request.Resume)
                {
                    w.WriteNumber(room, since);
                }

                w.WriteEndObject();
            }

            if (s.request.InboxSince is { } inbox)
            {
                w.WriteNumber("inbox"u8, inbox);
            }

            w.WriteEndObject();
        });
        await SendAsync(frame, cancellationToken);
        var ended = Closed;
        var finished = await Task.WhenAny(_connected.Task, ended, Task.Delay(handshakeTimeout, cancellationToken));
        if (finished != _connected.Task)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reason = finished == ended ? $"closed with {(int?)Socket.CloseStatus} {Socket.CloseStatusDescription}" : "no 'connected' in time";
            throw new ConnectRefusedException($"Parley refused the connection for {request.User}: {reason}.");
        }

        // The inbox is slot -1: its head at connect is where its sequence check starts.
        Sink.OnJoined(-1, await _connected.Task, resumed: true);
    }

    public override async Task<JoinOutcome> JoinAsync(string room, long? since, CancellationToken cancellationToken)
    {
        var slot = Rooms.Add(room);
        var rid = Interlocked.Increment(ref _rid);
        var pending = new Pending();
        _pending[rid] = pending;
        var frame = FrameBuilder.Build((rid, room, since), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("op"u8, "join"u8);
            w.WriteNumber("rid"u8, s.rid);
            w.WriteString("room"u8, s.room);
            if (s.since is { } value)
            {
                w.WriteNumber("since"u8, value);
            }

            w.WriteEndObject();
        });
        await SendAsync(frame, cancellationToken);
        var reply = await pending.Reply.Task.WaitAsync(handshakeTimeout, cancellationToken);
        return new JoinOutcome(slot, reply.Seq, reply.Flag);
    }

    public override Task<PublishOutcome> PublishAsync(string room, int slot, BenchMessage message, CancellationToken cancellationToken)
        => SendMessageAsync(room, to: null, message, cancellationToken);

    public override Task<PublishOutcome> SendDirectAsync(string user, BenchMessage message, CancellationToken cancellationToken)
        => SendMessageAsync(room: null, to: user, message, cancellationToken);

    protected override void OnMessage(ReadOnlySpan<byte> message)
    {
        var frame = ParleyFrame.Parse(message);
        switch (frame.Op)
        {
            case ParleyOp.Msg when frame.HasBody:
                var slot = frame.Direct ? -1 : Rooms.Find(frame.Room);
                Sink.OnDelivery(new Delivery(slot, frame.Seq, frame.Publisher, frame.Counter, frame.SentTicks));
                break;
            case ParleyOp.Ack:
                Complete(frame.Rid, new Reply(frame.Seq, frame.Duplicate));
                break;
            case ParleyOp.Joined:
                var joined = Rooms.Find(frame.Room);
                Sink.OnJoined(joined, frame.Head, frame.Resumed);
                Complete(frame.Rid, new Reply(frame.Head, frame.Resumed));
                break;
            case ParleyOp.Error:
                if (frame.Rid >= 0 && _pending.TryRemove(frame.Rid, out var failed))
                {
                    failed.Reply.TrySetException(new PublishRejectedException(frame.Code ?? "unknown", $"Parley answered '{frame.Code}'."));
                }

                break;
            case ParleyOp.Connected:
                _connected.TrySetResult(frame.InboxHead);
                break;
            case ParleyOp.Ping:
                SendInBackground(Pong);
                break;
        }
    }

    protected override void OnEnded()
    {
        _connected.TrySetCanceled();
        foreach (var rid in _pending.Keys)
        {
            if (_pending.TryRemove(rid, out var pending))
            {
                pending.Reply.TrySetException(new PublishRejectedException("closed", "The connection ended before the reply."));
            }
        }
    }

    private async Task<PublishOutcome> SendMessageAsync(string? room, string? to, BenchMessage message, CancellationToken cancellationToken)
    {
        var rid = Interlocked.Increment(ref _rid);
        var pending = new Pending();
        _pending[rid] = pending;
        var frame = FrameBuilder.Build((rid, room, to, message, padding), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("op"u8, "send"u8);
            w.WriteNumber("rid"u8, s.rid);
            if (s.room is not null)
            {
                w.WriteString("room"u8, s.room);
            }
            else
            {
                w.WriteString("to"u8, s.to);
            }

            w.WriteString("id"u8, s.message.Id);
            w.WritePropertyName("body"u8);
            BenchBody.Write(w, s.message, s.padding);
            w.WriteEndObject();
        });
        try
        {
            await SendAsync(frame, cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
        {
            _pending.TryRemove(rid, out _);
            throw new PublishRejectedException("closed", "The connection ended before the send.");
        }

        var reply = await pending.Reply.Task.WaitAsync(cancellationToken);
        return new PublishOutcome(reply.Seq, reply.Flag);
    }

    private void Complete(long rid, Reply reply)
    {
        if (rid >= 0 && _pending.TryRemove(rid, out var pending))
        {
            pending.Reply.TrySetResult(reply);
        }
    }

    private readonly record struct Reply(long Seq, bool Flag);

    private sealed class Pending
    {
        public TaskCompletionSource<Reply> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
