using System.Diagnostics;
using Parley.Bench.Running;
using Parley.Bench.Targets;

namespace Parley.Bench.Scenarios;

/// <summary>
/// M clients in group rooms receive a steady stream from P separate publishers. A third of the way
/// through, every client's connection drops at once (no close handshake); each reconnects at once
/// with <c>resume</c> from the last sequence it saw, while publishing goes on. Figures: time from
/// the drop until the last client has everything up to the head its rejoin reported, and the share
/// of clients that resumed with nothing missing, repeated or reordered.
/// </summary>
internal sealed class ReconnectStormScenario : IScenario
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    public string Name => "reconnect-storm";

    public string Description => "M clients drop at once and reconnect with resume: recovery time and share resumed without a gap (Parley only).";

    public TargetCapabilities Requires => TargetCapabilities.Sequenced | TargetCapabilities.Resume;

    public async Task RunAsync(BenchContext context)
    {
        var settings = context.Settings;
        var groups = (settings.Connections + settings.GroupSize - 1) / settings.GroupSize;
        var rooms = Enumerable.Range(0, groups).Select(g => $"{settings.RunId}-g{g}").ToArray();
        context.Phase = "connecting";
        var members = await context.ConnectMembersAsync(settings.Connections, i => $"{settings.RunId}-u{i}", i => [rooms[i / settings.GroupSize]], inbox: false, context.Aborted);
        var publisherMembers = new Member[Math.Max(1, settings.Publishers)];
        for (var p = 0; p < publisherMembers.Length; p++)
        {
            publisherMembers[p] = new Member(context, p, $"{settings.RunId}-pub{p}", rooms, inbox: false, join: false);
            await publisherMembers[p].ConnectAsync(context.Aborted);
        }

        var publishers = publisherMembers.Select((m, p) => new Publisher(context, p, m)).ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.Aborted);
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(context.Aborted);
        var perPublisher = settings.Rate > 0 ? settings.Rate / publishers.Length : 0;
        await context.BeginMeasureAsync("steady stream");
        stop.CancelAfter(settings.Duration);
        drain.CancelAfter(settings.Duration + settings.Drain);
        var publishing = Task.WhenAll(publishers.Select(p => p.RunAsync(k => new PublishTarget((int)((k * publishers.Length + p.Index) % rooms.Length)), perPublisher, stop.Token, drain.Token)));

        await Task.Delay(settings.Duration / 3, context.Aborted);
        context.Phase = "storm: dropping";
        foreach (var member in members)
        {
            member.BeginRecovery();
        }

        var dropped = Stopwatch.GetTimestamp();
        foreach (var member in members)
        {
            member.Connection.Abort();
        }

        context.Phase = "storm: reconnecting";
        using (var gate = new SemaphoreSlim(settings.ConnectConcurrency))
        {
            // Each client reconnects as soon as it has seen its own connection end, as a real one
            // would, not once the last of them has: the drop and the reconnecting overlap.
            try
            {
                await Task.WhenAll(members.Select(async m =>
                {
                    await m.Connection.Closed.WaitAsync(drain.Token);
                    await gate.WaitAsync(drain.Token);
                    try
                    {
                        var started = Stopwatch.GetTimestamp();
                        await m.ReconnectAsync(drain.Token);
                        context.ConnectTimes.Sample(Stopwatch.GetElapsedTime(started));
                    }
                    finally
                    {
                        gate.Release();
                    }
                }));
            }
            catch (OperationCanceledException) when (!context.Aborted.IsCancellationRequested)
            {
                // Out of time (duration and drain) before every client was back: the run still
                // ends with a result, which counts the clients that never caught up as a failure.
            }
        }

        context.Phase = "storm: catching up";
        try
        {
            while (members.Any(m => m.RecoveredAt == 0))
            {
                await Task.Delay(Poll, drain.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }

        context.Phase = "publishing after the storm";
        await publishing;
        context.Phase = "draining";
        await Traffic.AwaitDeliveriesAsync(context, members, drain.Token);
        await context.EndMeasureAsync();

        context.Stop();
        context.Phase = "checking";
        context.Judge([]);
        var recovered = members.Count(m => m.RecoveredAt != 0);
        var clean = members.Count(m => m.Judge(context.Ledger, context.Completeness) && m.ResumedAll && m.RecoveredAt != 0);
        context.Figures["storm.clients"] = members.Length;
        context.Figures["storm.recovered"] = recovered;
        context.Figures["storm.resumed_without_gap_share"] = (double)clean / members.Length;
        if (recovered == members.Length)
        {
            context.Figures["storm.recovery_seconds"] = Traffic.Seconds(members.Max(m => m.RecoveredAt) - dropped);
        }
        else
        {
            context.Completeness.Fail($"{members.Length - recovered} of {members.Length} clients never caught up after the storm");
        }

        context.Phase = "closing";
        await Traffic.CloseAsync(context, [.. members, .. publisherMembers]);
    }
}
