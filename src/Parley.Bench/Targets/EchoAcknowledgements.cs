using System.Collections.Concurrent;

namespace Parley.Bench.Targets;

/// <summary>
/// How a peer without acknowledgements confirms a publish: the publisher has joined the room, so
/// the message comes back to it; its echo (same publisher, room slot and counter) completes the
/// publish. A run whose echo never comes is reported unacknowledged, like a missing Parley ack.
/// </summary>
internal sealed class EchoAcknowledgements
{
    private readonly ConcurrentDictionary<(int Slot, long Counter), TaskCompletionSource<PublishOutcome>> _waiting = new();
    private volatile int _publisher = -1;

    public Task<PublishOutcome> Expect(int slot, BenchMessage message)
    {
        _publisher = message.Publisher;
        var echo = new TaskCompletionSource<PublishOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[(slot, message.Counter)] = echo;
        return echo.Task;
    }

    /// <summary>Called for every delivery on the read loop; completes the publish if it is this connection's own.</summary>
    public void Observe(in Delivery delivery)
    {
        if (delivery.Publisher == _publisher && _waiting.TryRemove((delivery.Slot, delivery.Counter), out var echo))
        {
            echo.TrySetResult(default);
        }
    }

    public void Forget(int slot, long counter) => _waiting.TryRemove((slot, counter), out _);

    public void FailAll()
    {
        foreach (var key in _waiting.Keys)
        {
            if (_waiting.TryRemove(key, out var echo))
            {
                echo.TrySetException(new PublishRejectedException("closed", "The connection ended before the echo."));
            }
        }
    }
}
