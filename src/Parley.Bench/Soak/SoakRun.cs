using System.Collections.Concurrent;
using System.Globalization;
using Parley.Bench.Probes;
using Parley.Client;

namespace Parley.Bench.Soak;

/// <summary>
/// Runs a soak: members in rooms on every node, room and direct messages at steady rates, members
/// leaving and rejoining, applications restarting, presence asked for — and on a schedule a node
/// killed with SIGKILL, Redis restarted empty and PostgreSQL restarted, at a quarter, half and
/// three quarters of the duration. Then it waits until every member holds what it should and
/// judges: every committed message of a room and an inbox reached every member once and in
/// order, and every acknowledged direct message its recipient.
/// </summary>
internal sealed class SoakRun(ISoakCluster cluster, SoakSettings settings, Action<string> log)
{
    /// <summary>Sends in flight at most; past it a tick is skipped (a cluster that slow shows in the figures anyway).</summary>
    private const int MaxInFlight = 2_000;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly SoakLedger _ledger = new(settings.Tenant);
    private readonly List<SoakMember> _members = [];
    private readonly ConcurrentQueue<SoakFault> _faults = new();
    private readonly List<SoakSample> _samples = [];
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private long _sent;
    private long _rejoinFailures;
    private long _restartFailures;
    private long _presenceAnswers;
    private long _presenceFailures;

    public async Task<SoakResult> RunAsync(CancellationToken cancellationToken)
    {
        for (var r = 0; r < settings.Rooms; r++)
        {
            for (var k = 0; k < settings.MembersPerRoom; k++)
            {
                _members.Add(new SoakMember($"u{r}-{k}", $"room-{r}", _ledger));
            }
        }

        log($"soak: starting {_members.Count} members in {settings.Rooms} rooms through {cluster.WebSocketUri}");
        await Parallel.ForEachAsync(_members, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (member, token) => await member.StartAsync(cluster, RequestTimeout, token));

        var origin = _ledger.Clock.Elapsed;
        var end = origin + settings.Duration;
        log($"soak: load for {settings.Duration.TotalMinutes:0.#} min: {settings.RoomMessagesPerSecond}/s room messages, {settings.DirectMessagesPerSecond}/s direct messages; faults at 1/4, 1/2 and 3/4");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = new[]
        {
            PacedAsync(settings.RoomMessagesPerSecond, end, SendRoomMessage, stop.Token),
            PacedAsync(settings.DirectMessagesPerSecond, end, SendDirectMessage, stop.Token),
            EveryAsync(settings.RejoinEvery, end, RejoinAsync, stop.Token),
            EveryAsync(settings.RestartEvery, end, RestartAsync, stop.Token),
            EveryAsync(settings.PresenceEvery, end, AskPresenceAsync, stop.Token),
            FaultsAsync(origin, stop.Token),
        };
        var sampler = SampleAsync(origin, stop.Token);
        await Task.WhenAll(loops);
        await Task.WhenAll(_inFlight.Keys);

        var drained = _ledger.Clock.Elapsed;
        var complete = await DrainAsync(cancellationToken);
        var drainSeconds = (_ledger.Clock.Elapsed - drained).TotalSeconds;
        log(complete
            ? $"soak: every member held what it should {drainSeconds:0.0} s after the load ended"
            : $"soak: after {settings.DrainTimeout.TotalSeconds:0} s some members still lacked messages");
        await stop.CancelAsync();
        await sampler;

        var result = Judge(drainSeconds);
        foreach (var member in _members)
        {
            await member.StopAsync();
        }

        log($"soak: {_sent:N0} sends, {_rejoinFailures} rejoins and {_restartFailures} restarts failed (retried), presence answered {_presenceAnswers:N0} times, failed {_presenceFailures}");
        return result;
    }

    private SoakResult Judge(double drainSeconds)
    {
        var roomLast = _members.GroupBy(m => m.Room).ToDictionary(g => g.Key, g => Math.Max(_ledger.HighestAcked(g.Key), g.Max(m => m.Highest.Room)));
        var directFor = _ledger.DirectAcked.GroupBy(d => d.Value).ToDictionary(g => g.Key, g => g.Select(d => d.Key).ToList());
        long lost = 0, repeated = 0, outOfOrder = 0, dropped = 0;
        foreach (var member in _members)
        {
            var verdict = member.Finish(roomLast[member.Room], member.Highest.Inbox, directFor.GetValueOrDefault(member.User) ?? []);
            lost += verdict.Missing;
            if (verdict.Missing > 0)
            {
                log($"soak: {member.User} lacks messages: {verdict.Detail}");
            }

            repeated += verdict.Repeated;
            outOfOrder += verdict.OutOfOrder;
            dropped += verdict.DuplicatesDropped;
        }

        var (p50, p99, max) = _ledger.Whole();
        return new SoakResult(settings, [.. _samples], [.. _faults], _ledger.Acknowledged, _ledger.Refused, _ledger.Abandoned,
            _ledger.DeliveredCount, lost, repeated, outOfOrder, dropped, drainSeconds, p50 / 1000.0, p99 / 1000.0, max / 1000.0);
    }

    /// <summary>Waits until every member holds its room up to the highest acknowledged sequence and every acknowledged direct message to it.</summary>
    private async Task<bool> DrainAsync(CancellationToken cancellationToken)
    {
        var deadline = _ledger.Clock.Elapsed + settings.DrainTimeout;
        while (_ledger.Clock.Elapsed < deadline)
        {
            var directFor = _ledger.DirectAcked.GroupBy(d => d.Value).ToDictionary(g => g.Key, g => g.Select(d => d.Key).ToList());
            var done = _members.All(m =>
            {
                var verdict = m.Finish(_ledger.HighestAcked(m.Room), m.Highest.Inbox, directFor.GetValueOrDefault(m.User) ?? []);
                return verdict.Missing == 0;
            });
            if (done)
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }

        return false;
    }

    private void SendRoomMessage(Random random)
    {
        var member = _members[random.Next(_members.Count)];
        Track(member.Client, async client =>
        {
            var id = $"r-{Interlocked.Increment(ref _sent)}";
            var result = await client.SendAsync(member.Room, new { t = _ledger.Clock.ElapsedMilliseconds }, id);
            _ledger.RoomAcked(member.Room, result.Seq);
        });
    }

    private void SendDirectMessage(Random random)
    {
        var sender = _members[random.Next(_members.Count)];
        var recipient = _members[random.Next(_members.Count)];
        if (ReferenceEquals(sender, recipient))
        {
            return;
        }

        Track(sender.Client, async client =>
        {
            var id = $"d-{Interlocked.Increment(ref _sent)}";
            await client.SendDirectAsync(recipient.User, new { t = _ledger.Clock.ElapsedMilliseconds }, id);
            _ledger.DirectAcknowledged(id, recipient.User);
        });
    }

    /// <summary>Starts a send on a running application and records its outcome; none while the application restarts.</summary>
    private void Track(ParleyClient? client, Func<ParleyClient, Task> send)
    {
        if (client is null || _inFlight.Count >= MaxInFlight)
        {
            return;
        }

        var task = Task.Run(async () =>
        {
            try
            {
                await send(client);
            }
            catch (Exception e) when (e is ParleyException or TimeoutException)
            {
                _ledger.SendRefused();
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                _ledger.SendAbandoned();
            }
        });
        _inFlight[task] = 0;
        _ = task.ContinueWith(t => _inFlight.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task RejoinAsync(Random random, CancellationToken cancellationToken)
    {
        var member = _members[random.Next(_members.Count)];
        try
        {
            Interlocked.Add(ref _rejoinFailures, await member.RejoinAsync(cancellationToken));
        }
        catch (Exception e) when (e is ParleyException or TimeoutException or ObjectDisposedException or InvalidOperationException)
        {
            Interlocked.Increment(ref _rejoinFailures);
        }
    }

    /// <summary>Restarts one member's application; a start that fails (its node was just killed) is tried again until it works.</summary>
    private async Task RestartAsync(Random random, CancellationToken cancellationToken)
    {
        var member = _members[random.Next(_members.Count)];
        await member.StopAsync();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await member.StartAsync(cluster, RequestTimeout, CancellationToken.None);
                return;
            }
            catch (Exception e) when (e is ParleyException or TimeoutException or System.Net.WebSockets.WebSocketException or InvalidOperationException && attempt < 30)
            {
                Interlocked.Increment(ref _restartFailures);
                await member.StopAsync();
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), CancellationToken.None);
            }
        }
    }

    private async Task AskPresenceAsync(Random random, CancellationToken cancellationToken)
    {
        var member = _members[random.Next(_members.Count)];
        if (member.Client is not { } client)
        {
            return;
        }

        try
        {
            await client.PresenceAsync(member.Room, cancellationToken);
            Interlocked.Increment(ref _presenceAnswers);
        }
        catch (Exception e) when (e is ParleyException or TimeoutException or ObjectDisposedException or InvalidOperationException)
        {
            Interlocked.Increment(ref _presenceFailures);
        }
    }

    private async Task FaultsAsync(TimeSpan origin, CancellationToken cancellationToken)
    {
        var schedule = new (double Fraction, string What, Func<Task> Inject)[]
        {
            (0.25, "kill -9 node", () => cluster.KillAndRestartNodeAsync(1, settings.NodeDowntime, cancellationToken)),
            (0.50, "Redis restart", () => cluster.RestartRedisAsync(settings.ServiceDowntime, cancellationToken)),
            (0.75, "PostgreSQL restart", () => cluster.RestartPostgresAsync(settings.ServiceDowntime, cancellationToken)),
        };
        foreach (var (fraction, what, inject) in schedule)
        {
            var at = origin + (settings.Duration * fraction);
            var wait = at - _ledger.Clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                // The schedule itself: the fault happens at its time, not when a condition holds.
                await Task.Delay(wait, cancellationToken);
            }

            var started = _ledger.Clock.Elapsed;
            log($"soak: {what} at {(started - origin).TotalSeconds:0} s");
            await inject();
            var recovered = (_ledger.Clock.Elapsed - started).TotalSeconds;
            _faults.Enqueue(new SoakFault((started - origin).TotalSeconds, what, recovered));
            log($"soak: {what} over, back after {recovered:0.0} s");
        }
    }

    private async Task SampleAsync(TimeSpan origin, CancellationToken cancellationToken)
    {
        var acknowledged = 0L;
        var delivered = 0L;
        var last = _ledger.Clock.Elapsed;
        using var timer = new PeriodicTimer(settings.SampleEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = _ledger.Clock.Elapsed;
                var seconds = (now - last).TotalSeconds;
                last = now;
                var histogram = _ledger.TakeInterval();
                var memory = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var (node, pid) in cluster.Nodes)
                {
                    if (ReadResident(pid) is { } bytes)
                    {
                        memory[node] = bytes / (1024.0 * 1024.0);
                    }
                }

                var sample = new SoakSample(
                    (now - origin).TotalSeconds,
                    (_ledger.Acknowledged - acknowledged) / seconds,
                    (_ledger.DeliveredCount - delivered) / seconds,
                    histogram.ValueAtPercentile(50) / 1000.0,
                    histogram.ValueAtPercentile(99) / 1000.0,
                    histogram.Count == 0 ? 0 : histogram.Max / 1000.0,
                    memory);
                acknowledged = _ledger.Acknowledged;
                delivered = _ledger.DeliveredCount;
                _samples.Add(sample);
                log(string.Create(CultureInfo.InvariantCulture,
                    $"  {sample.ElapsedSeconds,6:0} s  acknowledged {sample.AcknowledgedPerSecond,6:0.0}/s  delivered {sample.DeliveredPerSecond,7:0.0}/s  p50 {sample.P50Milliseconds,6:0.0} ms  p99 {sample.P99Milliseconds,7:0.0} ms  memory {string.Join(" ", memory.Select(m => $"{m.Key}={m.Value:0} MB"))}"));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static long? ReadResident(int pid)
    {
        try
        {
            return ProcProbe.ParseResidentBytes(File.ReadAllText($"/proc/{pid}/status"));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Calls <paramref name="tick"/> <paramref name="perSecond"/> times a second, evenly, until <paramref name="end"/>.</summary>
    private async Task PacedAsync(double perSecond, TimeSpan end, Action<Random> tick, CancellationToken cancellationToken)
    {
        if (perSecond <= 0)
        {
            return;
        }

        var random = new Random(tick.Method.Name.Length);
        var interval = TimeSpan.FromSeconds(1 / perSecond);
        var next = _ledger.Clock.Elapsed;
        while (next < end && !cancellationToken.IsCancellationRequested)
        {
            // Catch up in one go after a slow tick, so the rate holds over the run.
            while (next <= _ledger.Clock.Elapsed && next < end)
            {
                tick(random);
                next += interval;
            }

            var wait = next - _ledger.Clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> once every <paramref name="every"/> until <paramref name="end"/>, one at a time.</summary>
    private async Task EveryAsync(TimeSpan every, TimeSpan end, Func<Random, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var random = new Random(action.Method.Name.Length);
        using var timer = new PeriodicTimer(every);
        while (_ledger.Clock.Elapsed < end && await timer.WaitForNextTickAsync(cancellationToken))
        {
            await action(random, cancellationToken);
        }
    }
}
