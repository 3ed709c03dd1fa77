using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Parley.Bench.Transport;

namespace Parley.Bench.Targets.SocketIo;

/// <summary>
/// One Socket.IO connection. Engine.IO packets are one WebSocket text message each: <c>0</c> open,
/// <c>2</c>/<c>3</c> ping and pong, <c>4</c> a Socket.IO packet (<c>0</c> connect, <c>2</c> event,
/// <c>3</c> ack, <c>4</c> connect error) with an optional ack id before its JSON.
/// </summary>
internal sealed class SocketIoConnection(ClientWebSocket socket, IDeliverySink sink, string padding) : WebSocketConnection(socket, sink)
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);
    private static readonly byte[] Pong = "3"u8.ToArray();
    private static readonly byte[] Connect = "40"u8.ToArray();

    private readonly EchoAcknowledgements _echoes = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _acks = new();
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _ackId;

    public async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        StartReading();
        try
        {
            await _opened.Task.WaitAsync(ReplyTimeout, cancellationToken);
            await SendAsync(Connect, cancellationToken);
            await _connected.Task.WaitAsync(ReplyTimeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ConnectRefusedException("The Socket.IO server did not open and connect the namespace.", e);
        }
    }

    public override async Task<JoinOutcome> JoinAsync(string room, long? since, CancellationToken cancellationToken)
    {
        var slot = Rooms.Add(room);
        var id = Interlocked.Increment(ref _ackId);
        var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _acks[id] = ack;
        var prefix = Encoding.ASCII.GetBytes("42" + id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await SendAsync(FrameBuilder.Build(room, static (w, r) =>
        {
            w.WriteStartArray();
            w.WriteStringValue("join"u8);
            w.WriteStringValue(r);
            w.WriteEndArray();
        }, prefix), cancellationToken);
        await ack.Task.WaitAsync(ReplyTimeout, cancellationToken);
        Sink.OnJoined(slot, 0, true);
        return new JoinOutcome(slot, 0, true);
    }

    public override async Task<PublishOutcome> PublishAsync(string room, int slot, BenchMessage message, CancellationToken cancellationToken)
    {
        var frame = FrameBuilder.Build((room, message, padding), static (w, s) =>
        {
            w.WriteStartArray();
            w.WriteStringValue("pub"u8);
            w.WriteStartObject();
            w.WriteString("room"u8, s.room);
            w.WriteString("id"u8, s.message.Id);
            w.WriteNumber("ts"u8, s.message.SentTicks);
            w.WritePropertyName("body"u8);
            BenchBody.Write(w, s.message, s.padding);
            w.WriteEndObject();
            w.WriteEndArray();
        }, "42"u8);
        return await PublishByEchoAsync(_echoes, slot, message, frame, cancellationToken);
    }

    protected override void OnMessage(ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty)
        {
            return;
        }

        switch (message[0])
        {
            case (byte)'0':
                _opened.TrySetResult();
                return;
            case (byte)'2':
                SendInBackground(Pong);
                return;
            case (byte)'4' when message.Length > 1:
                OnPacket(message[1], message[2..]);
                return;
        }
    }

    protected override void OnEnded()
    {
        _echoes.FailAll();
        _opened.TrySetCanceled();
        _connected.TrySetCanceled();
        foreach (var ack in _acks.Values)
        {
            ack.TrySetCanceled();
        }
    }

    private void OnPacket(byte type, ReadOnlySpan<byte> rest)
    {
        if (type == (byte)'0')
        {
            _connected.TrySetResult();
            return;
        }

        if (type == (byte)'4')
        {
            _connected.TrySetException(new ConnectRefusedException("The Socket.IO server refused the namespace: " + Encoding.UTF8.GetString(rest)));
            return;
        }

        // Skip a namespace ("/name,") and read the ack id, if any, before the JSON array.
        if (rest.Length > 0 && rest[0] == (byte)'/')
        {
            var comma = rest.IndexOf((byte)',');
            rest = comma < 0 ? [] : rest[(comma + 1)..];
        }

        var digits = 0;
        while (digits < rest.Length && rest[digits] is >= (byte)'0' and <= (byte)'9')
        {
            digits++;
        }

        long ackId = -1;
        if (digits > 0 && Utf8Parser.TryParse(rest[..digits], out long parsed, out _))
        {
            ackId = parsed;
        }

        rest = rest[digits..];
        if (type == (byte)'3')
        {
            if (_acks.TryRemove(ackId, out var ack))
            {
                ack.TrySetResult();
            }
        }
        else if (type == (byte)'2')
        {
            OnEvent(rest);
        }
    }

    private void OnEvent(ReadOnlySpan<byte> json)
    {
        // ["msg",{"room":"R","id":"…","ts":T,"body":{…}}]
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray || !reader.Read() || !reader.ValueSpan.SequenceEqual("msg"u8) || !reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        ReadOnlySpan<byte> room = default;
        var hasBody = false;
        int publisher = -1;
        long counter = 0, sent = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("room"u8))
            {
                room = reader.ValueSpan;
            }
            else if (name.SequenceEqual("body"u8))
            {
                hasBody = BenchBody.TryRead(ref reader, out publisher, out counter, out sent);
            }
            else
            {
                reader.Skip();
            }
        }

        var slot = Rooms.Find(room);
        if (hasBody && slot >= 0)
        {
            var delivery = new Delivery(slot, 0, publisher, counter, sent);
            Sink.OnDelivery(delivery);
            _echoes.Observe(delivery);
        }
    }
}
