using System.Diagnostics;
using Parley.Bench.Running;

namespace Parley.Bench.Scenarios;

/// <summary>The steps publishing scenarios share: publish for the duration, drain, judge, close.</summary>
internal static class Traffic
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Runs every publisher for the run's duration (or budget), then waits for the last deliveries; the measured window spans both.</summary>
    public static async Task PublishAndDrainAsync(BenchContext context, IReadOnlyList<Publisher> publishers, Func<Publisher, Func<long, PublishTarget>> next, IReadOnlyList<Member> receivers)
    {
        var settings = context.Settings;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.Aborted);
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(context.Aborted);
        var perPublisher = settings.Rate > 0 ? settings.Rate / publishers.Count : 0;
        await context.BeginMeasureAsync("publishing");
        stop.CancelAfter(settings.Duration);
        drain.CancelAfter(settings.Duration + settings.Drain);
        await Task.WhenAll(publishers.Select(p => p.RunAsync(next(p), perPublisher, stop.Token, drain.Token)));
        context.Phase = "draining";
        await AwaitDeliveriesAsync(context, receivers, drain.Token);
        await context.EndMeasureAsync();
    }

    /// <summary>Waits until the receivers have had every delivery the ledger says they should, or the deadline.</summary>
    public static async Task AwaitDeliveriesAsync(BenchContext context, IReadOnlyList<Member> receivers, CancellationToken deadline)
    {
        var expected = receivers.Sum(m => m.Expected(context.Ledger));
        try
        {
            while (context.Deliveries.Deliveries < expected)
            {
                await Task.Delay(Poll, deadline);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Judges, then closes every member politely (a close frame each), a bounded number at a time.</summary>
    public static async Task FinishAsync(BenchContext context, IReadOnlyList<Member> judged, IEnumerable<Member> all)
    {
        context.Stop();
        context.Phase = "checking";
        context.Judge(judged);
        context.Phase = "closing";
        await CloseAsync(context, all);
    }

    public static async Task CloseAsync(BenchContext context, IEnumerable<Member> members)
    {
        context.Stop();
        using var gate = new SemaphoreSlim(Math.Max(context.Settings.ConnectConcurrency, 64));
        await Task.WhenAll(members.Select(async m =>
        {
            await gate.WaitAsync();
            try
            {
                await m.Connection.DisposeAsync();
            }
            catch (InvalidOperationException)
            {
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    public static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
}
