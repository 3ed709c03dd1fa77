using System.Diagnostics.Metrics;

namespace Parley.Tests.Support;

/// <summary>
/// Listens to one meter instance alone and keeps, per instrument name, the sum of what its
/// counters reported and the last value its gauges observed, so a test reads one node's metrics
/// while other nodes in the process report under the same names.
/// </summary>
internal sealed class MeterTotals : IDisposable
{
    private readonly MeterListener _listener;
    private readonly Dictionary<string, long> _totals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _observed = new(StringComparer.Ordinal);

    public MeterTotals(Meter meter)
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (_totals)
            {
                var into = instrument.GetType().Name.StartsWith("Observable", StringComparison.Ordinal) ? _observed : _totals;
                into[instrument.Name] = (into == _observed ? 0 : into.GetValueOrDefault(instrument.Name)) + value;
            }
        });
        _listener.Start();
    }

    /// <summary>The sum of every measurement of the counter <paramref name="name"/> since listening began.</summary>
    public long Total(string name)
    {
        lock (_totals)
        {
            return _totals.GetValueOrDefault(name);
        }
    }

    /// <summary>What the observable instrument <paramref name="name"/> reports now.</summary>
    public long Observe(string name)
    {
        _listener.RecordObservableInstruments();
        lock (_totals)
        {
            return _observed.GetValueOrDefault(name);
        }
    }

    public void Dispose() => _listener.Dispose();
}
