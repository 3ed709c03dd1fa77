using Parley.Node.Broker;
using Parley.Node.Tenancy;

namespace Parley.Node.Rooms;

/// <summary>
/// A stream with members on this node, and its sequencer. Guarantees, per member: durable
/// messages are queued in strictly increasing sequence order, each at most once; an envelope that
/// skips ahead is held for the gap wait (<see cref="Options.ClusterOptions.GapWait"/>) and the gap is then read from the store, so a lost
/// or late broker message delays delivery and never loses it.
/// All state is guarded by one lock; fan-out only enqueues, so the lock is held briefly.
/// </summary>
/// <param name="gapWait">How long a message that skipped ahead is held before the store is read; <see cref="Options.ClusterOptions.GapWait"/>'s default when not given.</param>
/// <param name="clock">The node's clock, which the gap wait follows; the system clock when not given.</param>
/// <param name="ephemeral">
/// The room was ephemeral when its first member here joined: no sequencer, no store. A durable
/// envelope that still arrives (another node that saw the room's policy before an edit) is passed
/// on as it comes rather than gap-filled from a store this stream never read.
/// </param>
internal sealed class LocalStream(StreamId stream, IGapFiller gapFiller, DeliveryMetrics metrics, ILogger logger, TimeProvider? clock = null, TimeSpan? gapWait = null, bool ephemeral = false)
{
    /// <summary>
    /// Live envelopes one member may buffer while its replay is sent; past it the member is closed
    /// as a slow consumer and resumes. Ten thousand is minutes of a busy room's traffic, so a
    /// replay that keeps up never meets it; the buffered envelopes share their frames with every
    /// other member, so the cost is the references (about 80 KB), not the bodies.
    /// </summary>
    public const int MaxReplayBuffer = 10_000;

    private readonly object _gate = new();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly TimeSpan _gapWait = gapWait ?? Options.ClusterOptions.DefaultGapWait;
    /// <summary>Envelopes that arrived ahead of a gap, by sequence; created at the first gap (most streams never see one).</summary>
    private SortedDictionary<long, Envelope>? _held;
    private StreamSubscription[] _members = [];
    private long _delivered = -1;
    private bool _gapFillRunning;

    public StreamId Stream { get; } = stream;

    /// <summary>Set up for an ephemeral room: never reads the store.</summary>
    public bool Ephemeral { get; } = ephemeral;

    /// <summary>Completes once the stream is subscribed and its head is known.</summary>
    public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when the dispatcher removed the stream; a late joiner then creates a new one.</summary>
    public bool Removed { get; set; }

    /// <summary>When the stream last became empty (a timestamp of the node's <see cref="TimeProvider"/>). Changed under the dispatcher's gate.</summary>
    public long EmptiedAt { get; set; }

    /// <summary>A lingering removal is waiting; one per stream however often members come and go. Changed under the dispatcher's gate.</summary>
    public bool Lingering { get; set; }

    public int MemberCount => Volatile.Read(ref _members).Length;

    public long Delivered
    {
        get
        {
            lock (_gate)
            {
                return _delivered;
            }
        }
    }

    public void Add(StreamSubscription subscription)
    {
        lock (_gate)
        {
            _members = [.. _members, subscription];
        }
    }

    /// <summary>Removes a member; returns the number left.</summary>
    public int Remove(StreamSubscription subscription)
    {
        lock (_gate)
        {
            _members = [.. _members.Where(m => !ReferenceEquals(m, subscription))];
            return _members.Length;
        }
    }

    /// <summary>
    /// Sets the delivered mark from the store's head once subscribed; held envelopes beyond it are
    /// released, and a gap between the head and those still held is filled at once rather than
    /// when the next message happens to arrive.
    /// </summary>
    public void Initialize(long head)
    {
        bool needsFill;
        lock (_gate)
        {
            _delivered = Math.Max(_delivered, head);
            DrainHeld();
            needsFill = _held is { Count: > 0 } && !_gapFillRunning;
            _gapFillRunning |= needsFill;
        }

        Ready.TrySetResult();
        if (needsFill)
        {
            _ = FillGapAsync();
        }
    }

    public void OnDurable(Envelope envelope)
    {
        if (Ephemeral)
        {
            OnEphemeral(envelope);
            return;
        }

        var needsFill = false;
        lock (_gate)
        {
            if (_delivered < 0 || envelope.Seq > _delivered + 1)
            {
                (_held ??= []).TryAdd(envelope.Seq, envelope);
                needsFill = _delivered >= 0 && !_gapFillRunning;
                _gapFillRunning |= needsFill;
            }
            else if (envelope.Seq <= _delivered)
            {
                metrics.DuplicateDropped();
            }
            else
            {
                Fanout(envelope);
                _delivered = envelope.Seq;
                DrainHeld();
            }
        }

        if (needsFill)
        {
            _ = FillGapAsync();
        }
    }

    public void OnEphemeral(Envelope envelope)
    {
        var members = Volatile.Read(ref _members);
        var sent = 0;
        foreach (var member in members)
        {
            if (member.Buffer is null && member.Member.Id != envelope.Exclude)
            {
                member.Member.Send(envelope.Frame, FrameClass.Ephemeral);
                sent++;
            }
        }

        metrics.Delivered(sent);
        if (envelope.PublishedAtMs > 0 && sent > 0)
        {
            metrics.PublishToDeliver(Math.Max(0, _clock.GetUtcNow().ToUnixTimeMilliseconds() - envelope.PublishedAtMs) / 1000.0);
        }
    }

    /// <summary>
    /// Ends a member's replay: releases the live envelopes it buffered that are newer than what the
    /// replay sent, in order, and makes it live.
    /// </summary>
    public void FinishReplay(StreamSubscription subscription)
    {
        lock (_gate)
        {
            var buffered = subscription.Buffer ?? [];
            subscription.Buffer = null;
            var sent = 0;
            foreach (var envelope in buffered)
            {
                sent += SendTo(subscription, envelope) ? 1 : 0;
            }

            metrics.Delivered(sent);
        }
    }

    /// <summary>
    /// After a broker reconnect, anything published meanwhile may be lost: read up to the store's
    /// head so members catch up without waiting for the next message.
    /// </summary>
    public void CatchUpTo(long head)
    {
        bool start;
        lock (_gate)
        {
            if (_delivered < 0 || head <= _delivered)
            {
                return;
            }

            _catchUpTarget = Math.Max(_catchUpTarget, head);
            start = !_gapFillRunning;
            _gapFillRunning |= start;
        }

        if (start)
        {
            _ = FillGapAsync(skipWait: true);
        }
    }

    private long _catchUpTarget;

    private void DrainHeld()
    {
        while (_held is { Count: > 0 })
        {
            var first = _held.First();
            if (first.Key <= _delivered)
            {
                _held.Remove(first.Key);
                metrics.DuplicateDropped();
                continue;
            }

            if (first.Key != _delivered + 1)
            {
                return;
            }

            _held.Remove(first.Key);
            Fanout(first.Value);
            _delivered = first.Key;
        }
    }

    /// <summary>
    /// Queues one message to every member. The deliveries are counted once per message rather
    /// than once per member: a counter's listeners (the exporter, the node's totals) then cost one
    /// call per message, not a thousand in a room of a thousand.
    /// </summary>
    private void Fanout(Envelope envelope)
    {
        var members = _members;
        var sent = 0;
        foreach (var member in members)
        {
            sent += SendTo(member, envelope) ? 1 : 0;
        }

        metrics.Delivered(sent);

        if (envelope.PublishedAtMs > 0 && members.Length > 0)
        {
            metrics.PublishToDeliver(Math.Max(0, _clock.GetUtcNow().ToUnixTimeMilliseconds() - envelope.PublishedAtMs) / 1000.0);
        }
    }

    /// <summary>Queues <paramref name="envelope"/> to one member, or buffers it during its replay; true when it was queued.</summary>
    private static bool SendTo(StreamSubscription member, Envelope envelope)
    {
        if (member.Buffer is not null)
        {
            // A member whose replay cannot keep up with live traffic would buffer without bound:
            // close it as a slow consumer instead; it resumes from its last sequence.
            if (member.Buffer.Count >= MaxReplayBuffer)
            {
                member.Member.Close(Protocol.CloseReason.SlowConsumer, flush: false);
                return false;
            }

            member.Buffer.Add(envelope);
            return false;
        }

        if (envelope.Seq > member.LastSeq)
        {
            member.LastSeq = envelope.Seq;
            member.Member.Send(envelope.Frame, FrameClass.MustDeliver);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Fills gaps until nothing is held and the catch-up target is reached. One fill runs at a time
    /// per stream. A store failure is retried after the gap wait: the gap stays held, never skipped.
    /// </summary>
    private async Task FillGapAsync(bool skipWait = false)
    {
        try
        {
            if (!skipWait)
            {
                await Task.Delay(_gapWait, _clock);
            }

            while (true)
            {
                long after, before;
                lock (_gate)
                {
                    after = _delivered;
                    if (_held is { Count: > 0 })
                    {
                        before = _held.First().Key;
                    }
                    else if (_catchUpTarget > _delivered)
                    {
                        before = _catchUpTarget + 1;
                    }
                    else
                    {
                        _gapFillRunning = false;
                        return;
                    }
                }

                if (before <= after + 1)
                {
                    lock (_gate)
                    {
                        DrainHeld();
                    }

                    continue;
                }

                IReadOnlyList<Envelope> envelopes;
                long firstRetained;
                try
                {
                    (envelopes, firstRetained) = await gapFiller.ReadGapAsync(Stream, after, before, CancellationToken.None);
                    metrics.GapFill();
                }
                catch (Exception e)
                {
                    LocalStreamLog.GapFillFailed(logger, Stream.Key, after, before, e);
                    await Task.Delay(_gapWait, _clock);
                    continue;
                }

                bool progressed;
                lock (_gate)
                {
                    // Sequences below the first retained one were trimmed: they can never be filled.
                    if (firstRetained > _delivered + 1)
                    {
                        _delivered = Math.Min(firstRetained, before) - 1;
                    }

                    foreach (var envelope in envelopes)
                    {
                        if (envelope.Seq == _delivered + 1)
                        {
                            Fanout(envelope);
                            _delivered = envelope.Seq;
                        }
                    }

                    if (envelopes.Count == 0 && _held is not { Count: > 0 } && _catchUpTarget > _delivered)
                    {
                        // The head we were told about is not visible yet; stop and let the next envelope retry.
                        _catchUpTarget = _delivered;
                    }

                    DrainHeld();
                    progressed = _delivered > after;
                }

                if (!progressed)
                {
                    // Nothing new is visible yet; wait rather than spin on the store.
                    await Task.Delay(_gapWait, _clock);
                }
            }
        }
        catch (Exception e)
        {
            LocalStreamLog.GapFillFailed(logger, Stream.Key, -1, -1, e);
            lock (_gate)
            {
                _gapFillRunning = false;
            }
        }
    }
}

internal static partial class LocalStreamLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Filling the gap ({After}, {Before}) of {Stream} from the store failed; retrying.")]
    public static partial void GapFillFailed(ILogger logger, string stream, long after, long before, Exception exception);
}
