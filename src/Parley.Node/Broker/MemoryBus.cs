using System.Collections.Concurrent;

namespace Parley.Node.Broker;

/// <summary>
/// The shared medium of <see cref="MemoryBroker"/>s: which broker subscribed which topic. In
/// embedded mode one node owns a bus alone; tests put several brokers on one bus to stand for the
/// nodes of a cluster. Each topic's subscriber list is an array replaced under a lock, so a publish
/// reads it without one; a topic with no subscriber left is removed, so the table does not grow.
/// </summary>
internal sealed class MemoryBus
{
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, MemoryBroker[]> _routes = new(StringComparer.Ordinal);

    /// <summary>Topics with at least one subscriber.</summary>
    public int TopicCount => _routes.Count;

    /// <summary>Hands <paramref name="envelope"/> to every broker subscribed to <paramref name="topic"/> now.</summary>
    public void Publish(string topic, Envelope envelope)
    {
        if (_routes.TryGetValue(topic, out var brokers))
        {
            foreach (var broker in brokers)
            {
                broker.Enqueue(topic, envelope);
            }
        }
    }

    public void Add(string topic, MemoryBroker broker)
    {
        lock (_gate)
        {
            var current = _routes.GetValueOrDefault(topic, []);
            if (Array.IndexOf(current, broker) < 0)
            {
                _routes[topic] = [.. current, broker];
            }
        }
    }

    public void Remove(string topic, MemoryBroker broker)
    {
        lock (_gate)
        {
            if (!_routes.TryGetValue(topic, out var current) || Array.IndexOf(current, broker) < 0)
            {
                return;
            }

            if (current.Length == 1)
            {
                _routes.TryRemove(topic, out _);
            }
            else
            {
                _routes[topic] = [.. current.Where(b => !ReferenceEquals(b, broker))];
            }
        }
    }
}
