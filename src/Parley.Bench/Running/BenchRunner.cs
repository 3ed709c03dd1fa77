using System.Diagnostics;
using Parley.Bench.Scenarios;

namespace Parley.Bench.Running;

/// <summary>
/// Runs one scenario against the context's target under a hard deadline, samples progress once a
/// second for the display and the throughput chart, and gathers the result.
/// </summary>
internal static class BenchRunner
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    /// <summary>Set-up time allowed on top of the duration and drain before the run is cut off: connecting many clients under admission control takes a while.</summary>
    public static readonly TimeSpan SetupAllowance = TimeSpan.FromMinutes(5);

    public static async Task<BenchResult> RunAsync(IScenario scenario, BenchContext context, string url, IProgressView view, CancellationToken cancellationToken)
    {
        if ((context.Target.Capabilities & scenario.Requires) != scenario.Requires)
        {
            throw new NotSupportedException($"The {context.Target.Name} target cannot run {scenario.Name}: it needs {scenario.Requires}.");
        }

        var started = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var series = new List<ProgressSample>();
        using var cancel = cancellationToken.Register(context.Abort);
        using var hardStop = new Timer(_ => context.Abort(), null, context.Settings.Duration * 2 + context.Settings.Drain + SetupAllowance, Timeout.InfiniteTimeSpan);
        await view.ShowAsync(async report =>
        {
            using var sampling = new CancellationTokenSource();
            var sampler = SampleAsync(context, clock, series, report, sampling.Token);
            try
            {
                await scenario.RunAsync(context);
            }
            finally
            {
                sampling.Cancel();
                await sampler;
            }
        });
        return Collect(scenario, context, url, started, series);
    }

    private static async Task SampleAsync(BenchContext context, Stopwatch clock, List<ProgressSample> series, Action<ProgressSample> report, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(SampleInterval);
        var last = clock.Elapsed;
        long deliveries = 0, published = 0, connects = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var now = clock.Elapsed;
                var seconds = (now - last).TotalSeconds;
                var d = context.Deliveries.Deliveries;
                var p = context.PublishedCount;
                var c = context.Connects;
                var latency = context.Deliveries.MergedLatency();
                var sample = new ProgressSample(
                    Math.Round(now.TotalSeconds, 2),
                    context.Phase,
                    Math.Round((d - deliveries) / seconds, 1),
                    Math.Round((p - published) / seconds, 1),
                    Math.Round((c - connects) / seconds, 1),
                    context.LiveConnections,
                    d,
                    p,
                    latency.ValueAtPercentile(50) / 1000.0,
                    latency.ValueAtPercentile(99) / 1000.0);
                (deliveries, published, connects, last) = (d, p, c, now);
                series.Add(sample);
                report(sample);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static BenchResult Collect(IScenario scenario, BenchContext context, string url, DateTime started, List<ProgressSample> series)
    {
        var settings = context.Settings;
        var window = context.Window;
        var seconds = window?.Seconds ?? 0;
        var latency = context.Deliveries.MergedLatency();
        var connectTimes = context.ConnectTimes.MergedLatency();
        var report = context.Completeness;
        var deliveries = window is null ? 0 : window.DeliveriesAtEnd - window.DeliveriesAtStart;
        var connects = window is null ? 0 : window.ConnectsAtEnd - window.ConnectsAtStart;
        return new BenchResult
        {
            Scenario = scenario.Name,
            Target = context.Target.Name,
            Url = url,
            RunId = settings.RunId,
            StartedUtc = started,
            Settings = new RunShape(settings.Connections, settings.Publishers, settings.Rate, settings.Window, settings.Duration.TotalSeconds, settings.MessageBudget, settings.MessageSize, settings.GroupSize),
            Passed = report.Passed,
            MeasuredSeconds = Math.Round(seconds, 3),
            Published = context.PublishedCount,
            Acknowledged = context.AcknowledgedCount,
            Retries = context.Retries,
            Deliveries = context.Deliveries.Deliveries,
            DeliveriesPerSecond = seconds > 0 ? Math.Round(deliveries / seconds, 1) : 0,
            PublishesPerSecond = seconds > 0 ? Math.Round(context.PublishedCount / seconds, 1) : 0,
            Latency = LatencySummary.Of(latency),
            LatencyPercentiles = LatencySummary.Curve(latency),
            Connects = context.Connects,
            ConnectsPerSecond = seconds > 0 && scenario is ChurnScenario ? Math.Round(connects / seconds, 1) : ConnectRate(context, series),
            ConnectTime = LatencySummary.Of(connectTimes),
            ConnectFailures = context.ConnectFailures,
            UpgradeRefusals = context.Connector.Refusals,
            Reconnects = context.Reconnects,
            Server = new ServerFigures(context.Probe.Source, window?.ServerAtStart?.ResidentBytes, window?.ServerAtEnd?.ResidentBytes, window?.ServerCpuPercent is { } cpu ? Math.Round(cpu, 1) : null),
            Figures = context.Figures,
            Completeness = new CompletenessFigures(report.Passed, report.Streams, report.Expected, report.Received, report.Missing, report.Repeated, report.OutOfOrder, report.Unexpected, report.Unacknowledged, report.OtherFailures, report.Notes),
            Series = series,
            Histograms = new RunHistograms(latency.ToBuckets(), connectTimes.ToBuckets()),
        };
    }

    /// <summary>Outside churn, connects per second is the peak one-second rate seen while connecting.</summary>
    private static double ConnectRate(BenchContext context, List<ProgressSample> series)
        => series.Count == 0 ? 0 : series.Max(s => s.ConnectsPerSecond);
}
