using System.Threading.Channels;
using Parley.Redis.Protocol;

namespace Parley.Redis;

public sealed partial class RedisSubscriber
{
    // Unbounded because Redis is the real buffer: a subscriber that falls far behind is cut off by
    // Redis's client-output-buffer-limit for pub/sub, reconnects, and its owner recovers via Reconnected.
    private readonly Channel<Delivery> _deliveries = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly Task _delivery;

    // Set on the delivery loop, so DisposeAsync called from a handler does not wait for itself.
    private static readonly AsyncLocal<bool> InDelivery = new();

    /// <summary>Runs on the read loop: takes messages out of the reply stream and queues them for delivery.</summary>
    private bool Route(RespValue frame)
    {
        switch (PubSubFrame.Classify(frame, out var channel, out var payload))
        {
            case PubSubFrameKind.Message:
                _metrics.PubSubMessage();
                _deliveries.Writer.TryWrite(new Delivery(channel, payload));
                return true;
            case PubSubFrameKind.Ignored:
                return true;
            default:
                return false;
        }
    }

    private async Task DeliverAsync()
    {
        InDelivery.Value = true;
        await foreach (var delivery in _deliveries.Reader.ReadAllAsync())
        {
            if (delivery.Channel is null)
            {
                RaiseReconnected();
                continue;
            }

            // Looked up now, not when received, so an unsubscribe stops messages already queued.
            if (!_handlers.TryGetValue(delivery.Channel, out var handler))
            {
                continue;
            }

            try
            {
                await handler(delivery.Channel, delivery.Payload);
            }
            catch (Exception e)
            {
                RedisLog.HandlerFailed(_logger, delivery.Channel, e);
            }
        }
    }

    private void RaiseReconnected()
    {
        try
        {
            Reconnected?.Invoke(this, EventArgs.Empty);
        }
        catch (Exception e)
        {
            RedisLog.EventHandlerFailed(_logger, nameof(Reconnected), e);
        }
    }

    /// <summary>A message, or (with no channel) the mark that the subscriber reconnected.</summary>
    private readonly record struct Delivery(string? Channel, ReadOnlyMemory<byte> Payload)
    {
        public static Delivery ReconnectedMark => new(null, default);
    }
}
