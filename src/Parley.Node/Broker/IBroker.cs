namespace Parley.Node.Broker;

/// <summary>
/// Moves envelopes between the nodes of a cluster. Delivery is at most once and best effort:
/// durable messages are already committed before they are published, and each node's sequencer
/// fills any gap from the store, so a lost envelope delays a delivery and never loses it.
/// A node receives only topics it subscribed to, including its own publishes; it recognises and
/// ignores its own echo by <see cref="Envelope.Origin"/>.
/// </summary>
public interface IBroker : IAsyncDisposable
{
    /// <summary>Publishes to every node subscribed to <paramref name="topic"/>.</summary>
    Task PublishAsync(string topic, Envelope envelope, CancellationToken cancellationToken);

    /// <summary>Starts delivering <paramref name="topic"/> to <paramref name="sink"/>; returns once the subscription is active.</summary>
    Task SubscribeAsync(string topic, IEnvelopeSink sink, CancellationToken cancellationToken);

    /// <summary>Stops delivering <paramref name="topic"/>. Unsubscribing a topic never subscribed is a no-op.</summary>
    Task UnsubscribeAsync(string topic, CancellationToken cancellationToken);

    /// <summary>Whether the broker's connections are up now.</summary>
    bool IsConnected { get; }

    /// <summary>A round trip to the broker for health checks; throws when it does not answer in time.</summary>
    Task PingAsync(CancellationToken cancellationToken);
}

/// <summary>Receives envelopes for subscribed topics. Called from the broker's delivery loop: must not block.</summary>
public interface IEnvelopeSink
{
    void OnEnvelope(string topic, Envelope envelope);

    /// <summary>Called after the broker reconnected: anything published meanwhile may be lost.</summary>
    void OnReconnected();
}
