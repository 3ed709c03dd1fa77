using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;

namespace Parley.Bench.Targets.Bare;

/// <summary>One connection to the bare broadcast server; see README.md for its frames.</summary>
internal sealed class BareConnection(ClientWebSocket socket, IDeliverySink sink, string padding) : WebSocketConnection(socket, sink)
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    private readonly EchoAcknowledgements _echoes = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _subscribing = new();

    public void Start() => StartReading();

    public override async Task<JoinOutcome> JoinAsync(string room, long? since, CancellationToken cancellationToken)
    {
        var slot = Rooms.Add(room);
        var subscribed = _subscribing.GetOrAdd(slot, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await SendAsync(FrameBuilder.Build(room, static (w, r) =>
        {
            w.WriteStartObject();
            w.WriteString("op"u8, "sub"u8);
            w.WriteString("room"u8, r);
            w.WriteEndObject();
        }), cancellationToken);
        await subscribed.Task.WaitAsync(JoinTimeout, cancellationToken);
        return new JoinOutcome(slot, 0, true);
    }

    public override async Task<PublishOutcome> PublishAsync(string room, int slot, BenchMessage message, CancellationToken cancellationToken)
    {
        var frame = FrameBuilder.Build((room, message, padding), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("op"u8, "pub"u8);
            w.WriteString("room"u8, s.room);
            w.WriteString("id"u8, s.message.Id);
            w.WriteNumber("ts"u8, s.message.SentTicks);
            w.WritePropertyName("body"u8);
            BenchBody.Write(w, s.message, s.padding);
            w.WriteEndObject();
        });
        return await PublishByEchoAsync(_echoes, slot, message, frame, cancellationToken);
    }

    protected override void OnMessage(ReadOnlySpan<byte> message)
    {
        var reader = new Utf8JsonReader(message);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        var op = 0;
        ReadOnlySpan<byte> room = default;
        bool hasBody = false;
        int publisher = -1;
        long counter = 0, sent = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("op"u8))
            {
                op = reader.ValueSpan.SequenceEqual("pub"u8) ? 1 : reader.ValueSpan.SequenceEqual("subbed"u8) ? 2 : 0;
            }
            else if (name.SequenceEqual("room"u8))
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
        if (op == 1 && hasBody && slot >= 0)
        {
            var delivery = new Delivery(slot, 0, publisher, counter, sent);
            Sink.OnDelivery(delivery);
            _echoes.Observe(delivery);
        }
        else if (op == 2 && slot >= 0 && _subscribing.TryGetValue(slot, out var subscribed))
        {
            subscribed.TrySetResult();
            Sink.OnJoined(slot, 0, true);
        }
    }

    protected override void OnEnded()
    {
        _echoes.FailAll();
        foreach (var pending in _subscribing.Values)
        {
            pending.TrySetCanceled();
        }
    }
}
