using System.Diagnostics;
using Parley.Bench.Targets;

namespace Parley.Bench.Running;

/// <summary>
/// Publishes from one member's connection: paced to a rate (or as fast as acknowledgements allow),
/// never more than the window unacknowledged, each message retried with the same id when the
/// server asks to retry (rate limit, store, a Parley reconnect), which never creates a second
/// copy. Every accepted message is written to the ledger the receivers are judged against.
/// </summary>
internal sealed class Publisher(BenchContext context, int index, Member member)
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(20);

    private readonly long[] _counters = new long[Math.Max(1, member.Rooms.Count)];
    private long _direct;
    private long _unacknowledged;

    public int Index { get; } = index;

    public Member Member { get; } = member;

    /// <summary>
    /// Publishes until <paramref name="stop"/> or the run's budget runs out, then waits for what is
    /// in flight until <paramref name="drain"/>. <paramref name="next"/> picks the k-th message's target.
    /// </summary>
    public async Task RunAsync(Func<long, PublishTarget> next, double messagesPerSecond, CancellationToken stop, CancellationToken drain)
    {
        var window = new SemaphoreSlim(context.Settings.Window);
        var interval = messagesPerSecond > 0 ? Stopwatch.Frequency / messagesPerSecond : 0;
        // Paced publishers are spread across one interval, so together they send an even stream at
        // the rate asked for rather than all at the same instants (a burst every interval).
        var publishers = Math.Max(1, context.Settings.Publishers);
        var started = Stopwatch.GetTimestamp() + (long)(interval * (Index % publishers) / publishers);
        try
        {
            for (long k = 0; !stop.IsCancellationRequested && context.Budget.TryTake(); k++)
            {
                if (interval > 0)
                {
                    var ahead = started + (long)(k * interval) - Stopwatch.GetTimestamp();
                    if (ahead > 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds((double)ahead / Stopwatch.Frequency), stop);
                    }
                }

                await window.WaitAsync(stop);
                var target = next(k);
                var message = Create(target);
                _ = PublishOneAsync(target, message, drain).ContinueWith(_ => window.Release(), TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        // Everything in flight has finished once the whole window is free again.
        try
        {
            for (var i = 0; i < context.Settings.Window; i++)
            {
                await window.WaitAsync(drain);
            }
        }
        catch (OperationCanceledException)
        {
        }

        context.Completeness.AddUnacknowledged($"publisher {Index} ({Member.User})", Interlocked.Read(ref _unacknowledged));
    }

    private BenchMessage Create(PublishTarget target)
    {
        var counter = target.ToUser is null ? ++_counters[target.Slot] : ++_direct;
        var message = new BenchMessage($"{context.Settings.RunId}-p{Index}-{(target.ToUser is null ? target.Slot : "d")}-{counter}", Index, counter);
        if (target.ToUser is null)
        {
            context.Ledger.Room(Member.Rooms[target.Slot]).Sent(Index, counter);
        }

        return message;
    }

    private async Task PublishOneAsync(PublishTarget target, BenchMessage message, CancellationToken drain)
    {
        context.Published();
        var retryClosed = context.Target.Capabilities.HasFlag(TargetCapabilities.Resume);
        while (true)
        {
            message.SentTicks = Stopwatch.GetTimestamp();
            try
            {
                var connection = Member.Connection;
                var outcome = target.ToUser is null
                    ? await connection.PublishAsync(Member.Rooms[target.Slot], target.Slot, message, drain)
                    : await connection.SendDirectAsync(target.ToUser, message, drain);
                Accepted(target, outcome);
                return;
            }
            catch (PublishRejectedException e) when (e.Retryable || (retryClosed && e.Code == "closed"))
            {
                context.Retried();
                try
                {
                    await Task.Delay(RetryPause, drain);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            catch (PublishRejectedException e)
            {
                context.Completeness.Fail($"publisher {Index}: message {message.Id} refused with '{e.Code}'");
                break;
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
            {
                break;
            }
        }

        Interlocked.Increment(ref _unacknowledged);
    }

    private void Accepted(PublishTarget target, PublishOutcome outcome)
    {
        context.Acknowledged();
        if (!context.Sequenced)
        {
            return;
        }

        if (target.ToUser is null)
        {
            context.Ledger.Room(Member.Rooms[target.Slot]).Acknowledge(outcome.Seq, outcome.Duplicate);
        }
        else if (!outcome.Duplicate)
        {
            context.Ledger.DirectAcknowledged(Member.User, target.ToUser);
        }
    }
}
