using System.Diagnostics;
using Parley.Bench.Completeness;
using Parley.Bench.Measures;
using Parley.Bench.Probes;
using Parley.Bench.Targets;
using Parley.Bench.Transport;

namespace Parley.Bench.Running;

/// <summary>
/// Everything one run shares between its scenario, its members and publishers, and the progress
/// display: settings, target, counters, the ledger and the completeness report, the measured
/// window, and figures particular to a scenario.
/// </summary>
internal sealed class BenchContext : IDisposable
{
    private readonly CancellationTokenSource _aborted = new();
    private long _published;
    private long _acknowledged;
    private long _retries;
    private long _live;
    private long _connects;
    private long _reconnects;
    private long _connectFailures;
    private volatile string _phase = "starting";
    private volatile bool _stopping;

    public BenchContext(BenchSettings settings, IBenchTarget target, WebSocketConnector connector, IServerProbe probe)
    {
        Settings = settings;
        Target = target;
        Connector = connector;
        Probe = probe;
        Budget = new MessageBudget(settings.MessageBudget);
    }

    public BenchSettings Settings { get; }

    public IBenchTarget Target { get; }

    public WebSocketConnector Connector { get; }

    public IServerProbe Probe { get; }

    /// <summary>Where the run waits before measuring, when it is one of several processes; null for a run alone.</summary>
    public IMeasureBarrier? Barrier { get; init; }

    public MessageBudget Budget { get; }

    /// <summary>Publish-to-deliver latency and the delivery count.</summary>
    public DeliveryStats Deliveries { get; } = new();

    /// <summary>Time from opening a socket to the end of the target's handshake (churn and storms).</summary>
    public DeliveryStats ConnectTimes { get; } = new();

    public Ledger Ledger { get; } = new();

    public CompletenessReport Completeness { get; } = new();

    /// <summary>Figures only some scenarios have (memory per connection, recovery time…), by name with unit.</summary>
    public Dictionary<string, double> Figures { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Whether deliveries are judged by the target's sequences; otherwise by each publisher's own
    /// counters, in order, as for peers without sequences.
    /// </summary>
    public bool Sequenced => !_unsequenced && Target.Capabilities.HasFlag(TargetCapabilities.Sequenced);

    private bool _unsequenced;

    /// <summary>The scenario's rooms carry no sequence (Parley's ephemeral rooms): judge by publisher counters. Call before connecting.</summary>
    public void WithoutSequences() => _unsequenced = true;

    /// <summary>Cancelled when the whole run must end (Ctrl-C or its hard deadline).</summary>
    public CancellationToken Aborted => _aborted.Token;

    /// <summary>Set once traffic is over: a close then is the run ending, not something to resume from.</summary>
    public bool Stopping => _stopping;

    public string Phase
    {
        get => _phase;
        set => _phase = value;
    }

    public long PublishedCount => Interlocked.Read(ref _published);

    public long AcknowledgedCount => Interlocked.Read(ref _acknowledged);

    public long Retries => Interlocked.Read(ref _retries);

    public long LiveConnections => Interlocked.Read(ref _live);

    public long Connects => Interlocked.Read(ref _connects);

    public long Reconnects => Interlocked.Read(ref _reconnects);

    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    public MeasuredWindow? Window { get; private set; }

    public void Published() => Interlocked.Increment(ref _published);

    public void Acknowledged() => Interlocked.Increment(ref _acknowledged);

    public void Retried() => Interlocked.Increment(ref _retries);

    public void Connected()
    {
        Interlocked.Increment(ref _connects);
        Interlocked.Increment(ref _live);
    }

    public void Disconnected() => Interlocked.Decrement(ref _live);

    public void Reconnected() => Interlocked.Increment(ref _reconnects);

    public void ConnectFailed() => Interlocked.Increment(ref _connectFailures);

    public void Stop() => _stopping = true;

    public void Abort() => _aborted.Cancel();

    /// <summary>
    /// Starts the measured phase: rates are counted from here, server CPU from the sample taken now.
    /// With a <see cref="Barrier"/> it first waits for the other processes of the run; callers start
    /// their duration timers only after this returns, so the wait never shortens a window.
    /// </summary>
    public async Task BeginMeasureAsync(string phase)
    {
        if (Barrier is { } barrier)
        {
            Phase = "waiting for the other processes";
            await barrier.BeforeMeasureAsync(Aborted);
        }

        Phase = phase;
        Window = new MeasuredWindow(Stopwatch.GetTimestamp(), Deliveries.Deliveries, Connects, await Probe.SampleAsync(Aborted));
    }

    /// <summary>Ends the measured phase.</summary>
    public async Task EndMeasureAsync()
    {
        if (Window is { } window)
        {
            Window = window with { EndTicks = Stopwatch.GetTimestamp(), DeliveriesAtEnd = Deliveries.Deliveries, ConnectsAtEnd = Connects, ServerAtEnd = await Probe.SampleAsync(Aborted) };
        }

        Barrier?.AfterMeasure();
    }

    /// <summary>
    /// Creates and connects <paramref name="count"/> members, <see cref="BenchSettings.ConnectConcurrency"/>
    /// at a time, each joined to its rooms. Throws if one cannot connect within the connector's retry window.
    /// </summary>
    public async Task<Member[]> ConnectMembersAsync(int count, Func<int, string> user, Func<int, IReadOnlyList<string>> rooms, bool inbox, CancellationToken cancellationToken)
    {
        var members = new Member[count];
        using var gate = new SemaphoreSlim(Settings.ConnectConcurrency);
        var tasks = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            await gate.WaitAsync(cancellationToken);
            var member = members[i] = new Member(this, i, user(i), rooms(i), inbox);
            tasks.Add(ConnectOneAsync(member, gate, cancellationToken));
        }

        await Task.WhenAll(tasks);
        return members;
    }

    /// <summary>Judges every member and each room's head against its acknowledgements.</summary>
    public void Judge(IEnumerable<Member> members)
    {
        foreach (var member in members)
        {
            member.Judge(Ledger, Completeness);
        }

        if (Sequenced)
        {
            foreach (var (room, totals) in Ledger.Rooms)
            {
                // Rooms are new to the run, so n distinct acknowledged messages must end at sequence n.
                if (totals.MaxSeq != totals.Acknowledged)
                {
                    Completeness.Fail($"{room}: {totals.Acknowledged} distinct messages acknowledged but the highest sequence is {totals.MaxSeq}");
                }
            }
        }
    }

    public void Dispose()
    {
        _aborted.Dispose();
        Deliveries.Dispose();
        ConnectTimes.Dispose();
    }

    private async Task ConnectOneAsync(Member member, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            await member.ConnectAsync(cancellationToken);
            ConnectTimes.Sample(Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            gate.Release();
        }
    }
}
