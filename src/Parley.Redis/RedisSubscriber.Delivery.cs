using System.Threading.Channels;
using Parley.Redis.Protocol;

namespace Parley.Redis;

public sealed partial class RedisSubscriber
{
    // Unbounded, and not protected by Redis's client-output-buffer-limit: that limit bounds only
    // what waits in Redis for this socket, and cuts off a subscriber that stops reading it. The
    // read loop here always reads, so whatever Redis sends lands in this queue and stays in the
    // node's memory until a handler has taken it. What keeps the queue short is that handlers must
    // not block: Parley's broker handler decodes the envelope and hands it to the dispatcher,
    // which only enqueues onto connections' bounded outbound queues. A handler that awaits slow
    // work would let this queue grow with the publish rate.
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
