using System.Diagnostics;

namespace Parley.Redis.Transport;

/// <summary>
/// A command and the task awaiting its reply. It completes exactly once: with the reply, with the
/// error reply as <see cref="RedisServerException"/>, with <see cref="RedisTimeoutException"/> when
/// its timer fires first, or with <see cref="RedisConnectionException"/> when the connection goes.
/// Completing early does not take it out of the reply FIFO; its reply is still read, then dropped.
/// </summary>
internal sealed class PendingCommand : TaskCompletionSource<RespValue>
{
    private readonly RedisMetrics _metrics;
    // The duration metric and the reply timeout are on real time: they measure and bound a real
    // server's round trip, which the node's test clock cannot move.
    private readonly long _started = Stopwatch.GetTimestamp();
    private ITimer? _timer;

    public PendingCommand(string name, ReadOnlyMemory<byte> payload, RedisMetrics metrics)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Name = name;
        Payload = payload;
        _metrics = metrics;
    }

    public string Name { get; }

    /// <summary>The encoded command, written to the socket as it is.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    public void StartTimer(TimeSpan timeout)
    {
        _timer = TimeProvider.System.CreateTimer(
            static state =>
            {
                var (command, after) = ((PendingCommand, TimeSpan))state!;
                command.Fail(new RedisTimeoutException($"Redis did not answer {command.Name} within {after.TotalSeconds:0.###} s."));
            },
            (this, timeout),
            timeout,
            Timeout.InfiniteTimeSpan);
    }

    public void Complete(RespValue reply)
    {
        if (reply.IsError)
        {
            Fail(new RedisServerException(reply.AsString() ?? ""));
            return;
        }

        if (TrySetResult(reply))
        {
            _timer?.Dispose();
            _metrics.Duration(Stopwatch.GetElapsedTime(_started));
        }
    }

    public void Fail(RedisException error)
    {
        if (TrySetException(error))
        {
            _timer?.Dispose();
            _metrics.Error(error);
            if (error is RedisServerException)
            {
                _metrics.Duration(Stopwatch.GetElapsedTime(_started));
            }
        }
    }
}
