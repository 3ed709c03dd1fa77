using System.Diagnostics.Metrics;

namespace Parley.Node.Store;

/// <summary>Instruments of the durable store and its group-commit batcher (meter <c>Parley.Store</c>).</summary>
internal sealed class StoreMetrics : IDisposable
{
    public const string MeterName = "Parley.Store";

    private readonly Meter _meter = new(MeterName);
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _commitFailures;
    private readonly Counter<long> _trimmed;

    public StoreMetrics()
    {
        _commitDuration = _meter.CreateHistogram<double>("parley.store.commit.duration", "s", "Time to commit one batch, from handing it to the store until the commit returned.");
        _batchSize = _meter.CreateHistogram<int>("parley.store.batch.size", "{message}", "Messages committed together in one transaction.");
        _commitFailures = _meter.CreateCounter<long>("parley.store.commit.failures", "{batch}", "Batches that failed to commit, by reason: error, timeout (not confirmed in time; the outcome is unknown), unknown (the connection was lost while committing), stalled (refused while an earlier commit overran), shutdown.");
        _trimmed = _meter.CreateCounter<long>("parley.store.trimmed", "{message}", "Messages deleted by retention.");
        // Every series exists at 0 from start, so an alert on its rate fires at the first failure.
        foreach (var reason in CommitFailureReasons)
        {
            _commitFailures.Add(0, new KeyValuePair<string, object?>("reason", reason));
        }

        _trimmed.Add(0);
    }

    /// <summary>Every <c>reason</c> of <c>parley.store.commit.failures</c>.</summary>
    public static readonly string[] CommitFailureReasons = ["error", "timeout", "unknown", "stalled", "shutdown"];

    /// <summary>The meter of this instance, so a test can listen to it alone.</summary>
    public Meter Meter => _meter;

    public void Committed(TimeSpan duration, int messages)
    {
        _commitDuration.Record(duration.TotalSeconds);
        _batchSize.Record(messages);
    }

    /// <summary>A batch that did not commit, or not in time: <c>error</c>, <c>timeout</c>, <c>unknown</c>, <c>stalled</c> or <c>shutdown</c>.</summary>
    public void CommitFailed(string reason) => _commitFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Trimmed(long messages)
    {
        if (messages > 0)
        {
            _trimmed.Add(messages);
        }
    }

    public void Dispose() => _meter.Dispose();
}
