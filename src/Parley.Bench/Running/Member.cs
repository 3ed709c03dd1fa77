using System.Diagnostics;
using System.Net.WebSockets;
using Parley.Bench.Completeness;
using Parley.Bench.Targets;
using Parley.Bench.Transport;

namespace Parley.Bench.Running;

/// <summary>
/// One simulated client: its connection, the rooms it is in (by slot) and, for each, the check
/// of what it received: by sequence on a sequenced target, by each publisher's counter on a peer;
/// plus its inbox for direct messages. All receiving state is touched only by the connection's
/// read loop, so it needs no locks. On Parley a close that means "reconnect and resume" (4000 to
/// 4499) reconnects with resume, as a real client would; what it then receives is checked the same.
/// </summary>
internal sealed class Member(BenchContext context, int index, string user, IReadOnlyList<string> rooms, bool inbox, bool join = true) : IDeliverySink
{
    private static readonly TimeSpan ReconnectPause = TimeSpan.FromMilliseconds(100);

    private readonly RoomTrack[] _tracks = [.. rooms.Select(_ => new RoomTrack())];
    private StreamCheck? _inbox;
    private volatile IBenchConnection? _connection;
    private bool _awaitingRecovery;

    /// <summary>1 while the current connection is counted live: a connection refused during its handshake is never counted, so its close must not be either.</summary>
    private int _counted;

    public int Index { get; } = index;

    public string User { get; } = user;

    public IReadOnlyList<string> Rooms { get; } = rooms;

    /// <summary>The current connection; replaced when the member reconnects.</summary>
    public IBenchConnection Connection => _connection ?? throw new InvalidOperationException($"{User} is not connected.");

    /// <summary>Stopwatch ticks when the member last caught up after <see cref="BeginRecovery"/>; 0 until then.</summary>
    public long RecoveredAt { get; private set; }

    /// <summary>True when every room rejoined after the last drop was resumed (nothing past retention).</summary>
    public bool ResumedAll { get; private set; } = true;

    /// <summary>Connects and joins every room; on a sequenced target each from sequence 1 (the rooms are new to the run).</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (context.Sequenced)
        {
            foreach (var track in _tracks)
            {
                track.Seq = new StreamCheck(1);
            }

            if (inbox)
            {
                _inbox = new StreamCheck(1);
            }
        }

        var connection = await context.Target.ConnectAsync(new ConnectRequest(User) { Client = Index, InboxSince = inbox ? 0 : null }, this, cancellationToken);
        _connection = connection;
        Volatile.Write(ref _counted, 1);
        context.Connected();
        for (var slot = 0; join && slot < Rooms.Count; slot++)
        {
            await connection.JoinAsync(Rooms[slot], context.Sequenced ? 0 : null, cancellationToken);
        }
    }

    /// <summary>Reconnects with <c>resume</c> from the last contiguous sequence of each room and the inbox; retries until cancelled.</summary>
    public async Task ReconnectAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var request = new ConnectRequest(User)
            {
                Client = Index,
                Resume = join ? [.. Rooms.Select((room, slot) => (room, _tracks[slot].Seq?.Contiguous ?? 0))] : [],
                InboxSince = _inbox?.Contiguous,
            };
            try
            {
                _connection = await context.Target.ConnectAsync(request, this, cancellationToken);
                Volatile.Write(ref _counted, 1);
                context.Connected();
                context.Reconnected();
                return;
            }
            catch (Exception e) when (e is ConnectRefusedException or WebSocketException or IOException or HttpRequestException)
            {
                context.ConnectFailed();
                await Task.Delay(ReconnectPause * (1 + Random.Shared.NextDouble()), cancellationToken);
            }
        }
    }

    /// <summary>Starts timing recovery: the member counts as recovered once every rejoined room has reached the head it reported.</summary>
    public void BeginRecovery()
    {
        RecoveredAt = 0;
        ResumedAll = true;
        foreach (var track in _tracks)
        {
            track.RecoveryTarget = -1;
        }

        _awaitingRecovery = true;
    }

    public void OnDelivery(in Delivery delivery)
    {
        context.Deliveries.Delivered(delivery.SentTicks, Stopwatch.GetTimestamp());
        if (delivery.Slot < 0)
        {
            _inbox?.Observe(delivery.Seq);
            return;
        }

        var track = _tracks[delivery.Slot];
        if (track.Seq is { } seq)
        {
            seq.Observe(delivery.Seq);
            if (_awaitingRecovery)
            {
                CheckRecovered();
            }
        }
        else
        {
            var counters = track.ByPublisher ??= [];
            if (!counters.TryGetValue(delivery.Publisher, out var check))
            {
                counters[delivery.Publisher] = check = new StreamCheck(1);
            }

            check.Observe(delivery.Counter);
        }
    }

    public void OnJoined(int slot, long head, bool resumed)
    {
        if (!_awaitingRecovery || slot < 0)
        {
            return;
        }

        ResumedAll &= resumed;
        _tracks[slot].RecoveryTarget = head;
        CheckRecovered();
    }

    public void OnClosed(int? closeStatus)
    {
        if (Interlocked.Exchange(ref _counted, 0) == 1)
        {
            context.Disconnected();
        }

        if (closeStatus is >= 4000 and < 4500 && !context.Stopping && context.Target.Capabilities.HasFlag(TargetCapabilities.Resume))
        {
            _ = ReconnectAsync(context.Aborted).ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        }
    }

    /// <summary>Judges everything received against what the publishers had accepted; true when all of it is complete. Call once traffic has stopped.</summary>
    public bool Judge(Ledger ledger, CompletenessReport report)
    {
        var complete = true;
        for (var slot = 0; slot < Rooms.Count; slot++)
        {
            var room = Rooms[slot];
            var totals = ledger.Room(room);
            var track = _tracks[slot];
            if (track.Seq is { } seq)
            {
                complete &= Add(report, $"{User} in {room}", seq.Finish(totals.MaxSeq));
                continue;
            }

            var counters = track.ByPublisher ?? [];
            foreach (var (publisher, sent) in totals.SentByPublisher)
            {
                complete &= Add(report, $"{User} in {room} from publisher {publisher}", (counters.TryGetValue(publisher, out var check) ? check : new StreamCheck(1)).Finish(sent));
            }

            foreach (var (publisher, check) in counters)
            {
                if (!totals.SentByPublisher.ContainsKey(publisher))
                {
                    complete &= Add(report, $"{User} in {room} from unknown publisher {publisher}", check.Finish(0));
                }
            }
        }

        if (_inbox is { } inboxCheck)
        {
            complete &= Add(report, $"{User}'s inbox", inboxCheck.Finish(ledger.InboxCount(User)));
        }

        return complete;
    }

    /// <summary>Deliveries this member should have had by now, from the ledger.</summary>
    public long Expected(Ledger ledger)
    {
        long expected = 0;
        for (var slot = 0; join && slot < Rooms.Count; slot++)
        {
            var totals = ledger.Room(Rooms[slot]);
            expected += context.Sequenced ? totals.MaxSeq : totals.SentByPublisher.Values.Sum();
        }

        return expected + (_inbox is null ? 0 : ledger.InboxCount(User));
    }

    private static bool Add(CompletenessReport report, string stream, StreamVerdict verdict)
    {
        report.Add(stream, verdict);
        return verdict.Complete;
    }

    private void CheckRecovered()
    {
        foreach (var track in _tracks)
        {
            if (track.RecoveryTarget < 0 || track.Seq is not { } seq || seq.Contiguous < track.RecoveryTarget)
            {
                return;
            }
        }

        _awaitingRecovery = false;
        RecoveredAt = Stopwatch.GetTimestamp();
    }

    private sealed class RoomTrack
    {
        public StreamCheck? Seq { get; set; }

        public Dictionary<int, StreamCheck>? ByPublisher { get; set; }

        /// <summary>The head reported when the room was rejoined after a drop; -1 until then.</summary>
        public long RecoveryTarget { get; set; } = -1;
    }
}
