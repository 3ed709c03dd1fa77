using System.Collections.Concurrent;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Parley.Bench.Transport;

namespace Parley.Bench.Targets.SignalR;

/// <summary>One SignalR connection: records end with 0x1E; a WebSocket message may hold several.</summary>
internal sealed class SignalRConnection(ClientWebSocket socket, IDeliverySink sink, string padding) : WebSocketConnection(socket, sink)
{
    private const byte RecordSeparator = 0x1e;
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);
    private static readonly byte[] Handshake = "{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray();
    private static readonly byte[] PingRecord = "{\"type\":6}\u001e"u8.ToArray();

    private readonly EchoAcknowledgements _echoes = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource> _invocations = new();
    private readonly TaskCompletionSource _handshake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _invocationId;

    public async Task HandshakeAsync(CancellationToken cancellationToken)
    {
        StartReading();
        await SendAsync(Handshake, cancellationToken);
        try
        {
            await _handshake.Task.WaitAsync(ReplyTimeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new ConnectRefusedException("The SignalR hub did not complete the handshake.", e);
        }
    }

    public void Ping() => SendInBackground(PingRecord);

    public override async Task<JoinOutcome> JoinAsync(string room, long? since, CancellationToken cancellationToken)
    {
        var slot = Rooms.Add(room);
        var id = Interlocked.Increment(ref _invocationId);
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _invocations[id] = completion;
        await SendAsync(FrameBuilder.Build((id, room), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteNumber("type"u8, 1);
            w.WriteString("invocationId"u8, s.id.ToString(CultureInfo.InvariantCulture));
            w.WriteString("target"u8, "Join"u8);
            w.WriteStartArray("arguments"u8);
            w.WriteStringValue(s.room);
            w.WriteEndArray();
            w.WriteEndObject();
        }, suffix: [RecordSeparator]), cancellationToken);
        await completion.Task.WaitAsync(ReplyTimeout, cancellationToken);
        Sink.OnJoined(slot, 0, true);
        return new JoinOutcome(slot, 0, true);
    }

    public override async Task<PublishOutcome> PublishAsync(string room, int slot, BenchMessage message, CancellationToken cancellationToken)
    {
        var frame = FrameBuilder.Build((room, message, padding), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteNumber("type"u8, 1);
            w.WriteString("target"u8, "Publish"u8);
            w.WriteStartArray("arguments"u8);
            w.WriteStringValue(s.room);
            w.WriteStringValue(s.message.Id);
            w.WriteNumberValue(s.message.SentTicks);
            BenchBody.Write(w, s.message, s.padding);
            w.WriteEndArray();
            w.WriteEndObject();
        }, suffix: [RecordSeparator]);
        return await PublishByEchoAsync(_echoes, slot, message, frame, cancellationToken);
    }

    protected override void OnMessage(ReadOnlySpan<byte> message)
    {
        while (message.Length > 0)
        {
            var end = message.IndexOf(RecordSeparator);
            var record = end < 0 ? message : message[..end];
            message = end < 0 ? [] : message[(end + 1)..];
            if (record.Length > 0)
            {
                OnRecord(record);
            }
        }
    }

    protected override void OnEnded()
    {
        _echoes.FailAll();
        _handshake.TrySetCanceled();
        foreach (var pending in _invocations.Values)
        {
            pending.TrySetCanceled();
        }
    }

    private void OnRecord(ReadOnlySpan<byte> record)
    {
        if (!_handshake.Task.IsCompleted)
        {
            // The handshake reply is {} or {"error":"…"}.
            if (record.IndexOf("\"error\""u8) >= 0)
            {
                _handshake.TrySetException(new ConnectRefusedException("The SignalR hub refused the handshake: " + System.Text.Encoding.UTF8.GetString(record)));
            }
            else
            {
                _handshake.TrySetResult();
            }

            return;
        }

        var reader = new Utf8JsonReader(record);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        int type = 0;
        long invocation = -1;
        var isMessage = false;
        ReadOnlySpan<byte> room = default;
        var hasBody = false;
        int publisher = -1;
        long counter = 0, sent = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("type"u8))
            {
                type = reader.GetInt32();
            }
            else if (name.SequenceEqual("target"u8))
            {
                isMessage = reader.ValueSpan.SequenceEqual("msg"u8);
            }
            else if (name.SequenceEqual("invocationId"u8))
            {
                invocation = long.TryParse(reader.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1;
            }
            else if (name.SequenceEqual("arguments"u8) && reader.TokenType == JsonTokenType.StartArray)
            {
                // [room, id, ts, body]
                var index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (index == 0 && reader.TokenType == JsonTokenType.String)
                    {
                        room = reader.ValueSpan;
                    }
                    else if (index == 3)
                    {
                        hasBody = BenchBody.TryRead(ref reader, out publisher, out counter, out sent);
                    }
                    else
                    {
                        reader.Skip();
                    }

                    index++;
                }
            }
            else
            {
                reader.Skip();
            }
        }

        if (type == 1 && isMessage && hasBody)
        {
            var slot = Rooms.Find(room);
            if (slot >= 0)
            {
                var delivery = new Delivery(slot, 0, publisher, counter, sent);
                Sink.OnDelivery(delivery);
                _echoes.Observe(delivery);
            }
        }
        else if (type == 3 && _invocations.TryRemove(invocation, out var completion))
        {
            if (record.IndexOf("\"error\""u8) >= 0)
            {
                completion.TrySetException(new PublishRejectedException("hub_error", System.Text.Encoding.UTF8.GetString(record)));
            }
            else
            {
                completion.TrySetResult();
            }
        }
    }
}
