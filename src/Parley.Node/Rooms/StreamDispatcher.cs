using System.Collections.Concurrent;
using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Protocol;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Rooms;

/// <summary>
/// The streams with members on this node. A stream's broker topic is subscribed while it has at
/// least one member here, and for a linger after the last one left (<see cref="Options.ClusterOptions.TopicLinger"/>
/// in cluster mode, <see cref="Options.StoreOptions.StreamLinger"/> in embedded mode): a member
/// returning in that time finds the stream ready, its head known without a store read. Envelopes from the broker and from this node's own
/// publishes meet here and go through each stream's sequencer; the node's own echo from the broker
/// is ignored (its local delivery already happened).
/// Lock order: the dispatcher's gate, then a stream's gate; subscription changes of one topic are
/// serialised by a striped async lock so that an unsubscribe never undoes a newer subscribe.
/// </summary>
internal sealed class StreamDispatcher : IEnvelopeSink
{
    /// <summary>
    /// Most stored messages read per page while replaying to a joining member: the largest page a
    /// history read may ask for, so one replay read costs no more than one client read, and a
    /// member far behind sees its first messages after one page rather than after the whole gap.
    /// </summary>
    private const int ReplayPage = 500;

    /// <summary>
    /// Locks that serialise subscription changes, a topic mapped to one by hash. Sixty-four keeps
    /// two busy topics sharing a lock rare on a node with thousands of streams, at 64 small objects.
    /// </summary>
    private const int TopicLockStripes = 64;

    private readonly ConcurrentDictionary<string, LocalStream> _streams = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly SemaphoreSlim[] _topicLocks = [.. Enumerable.Range(0, TopicLockStripes).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly IBroker _broker;
    private readonly IMessageStore _store;
    private readonly StoreGapFiller _gapFiller;
    private readonly DeliveryMetrics _metrics;
    private readonly ILogger<StreamDispatcher> _logger;
    private readonly string _nodeId;
    private readonly TimeSpan _linger;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _gapWait;

    /// <param name="clock">The node's clock: the linger and the gap waits follow it; the system clock when not given.</param>
    public StreamDispatcher(IBroker broker, IMessageStore store, NodeIdentity node, DeliveryMetrics metrics, ILogger<StreamDispatcher> logger, Microsoft.Extensions.Options.IOptions<Options.ParleyOptions>? options = null, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        var settings = options?.Value;
        _gapWait = settings?.Cluster.GapWait ?? Options.ClusterOptions.DefaultGapWait;
        _linger = settings is null ? TimeSpan.Zero : settings.IsCluster ? settings.Cluster.TopicLinger : settings.Store.StreamLinger;
        _broker = broker;
        _store = store;
        _gapFiller = new StoreGapFiller(store);
        _metrics = metrics;
        _logger = logger;
        _nodeId = node.Id;
    }

    /// <summary>Streams with members here (health and tests).</summary>
    public int StreamCount => _streams.Count;

    /// <summary>Whether <paramref name="stream"/> has members on this node.</summary>
    public bool HasMembers(StreamId stream) => _streams.TryGetValue(stream.Key, out var local) && local.MemberCount > 0;

    /// <summary>
    /// Makes <paramref name="subscription"/> a live member and replays what it missed. The member is
    /// attached (buffering live traffic) before the head is taken, the range
    /// <c>(since, head]</c> is replayed, and then the buffer is released de-duplicated by sequence,
    /// so every message after <paramref name="since"/> is queued exactly once and in order. Without
    /// <paramref name="since"/> nothing is replayed and the member is live from the current head.
    /// <paramref name="beforeReplay"/> runs once the head is known and before the first replayed
    /// message is queued (it queues the <c>joined</c> or <c>connected</c> reply).
    /// A member of an <paramref name="ephemeral"/> room is live at once: there is no head and no
    /// replay, and neither the join nor the stream's set-up reads the store.
    /// </summary>
    public async Task<JoinOutcome> JoinAsync(StreamSubscription subscription, long? since, Action<JoinOutcome> beforeReplay, CancellationToken cancellationToken, bool ephemeral = false)
    {
        var stream = await AttachAsync(subscription, ephemeral, cancellationToken);
        if (ephemeral)
        {
            var live = new JoinOutcome(0, since is null);
            beforeReplay(live);
            stream.FinishReplay(subscription);
            return live;
        }

        try
        {
            // A member with nothing to catch up on (no since, or one at what this node has
            // delivered) is live from the stream's delivered mark: the stream holds it already, so
            // a storm of reconnects that missed nothing costs the store no reads. The mark is read
            // after the member was attached, so messages committed but not yet delivered here are
            // still ahead of it and reach it live. A member behind the mark needs the store's head
            // (its oldest retained sequence tells whether the replay covers everything asked for),
            // and one ahead of it may name messages this node has not seen yet, or none that exist.
            var delivered = stream.Delivered;
            var head = since is null || since.Value == delivered
                ? new StreamHead(delivered, 0)
                : await _store.GetHeadAsync(subscription.Stream, cancellationToken);
            var replay = since is not null && since.Value < head.Head;
            var outcome = new JoinOutcome(head.Head, !replay || since!.Value + 1 >= head.FirstRetained);
            subscription.LastSeq = replay ? since!.Value : head.Head;
            beforeReplay(outcome);
            if (replay)
            {
                await ReplayAsync(subscription, head.Head, cancellationToken);
            }

            stream.FinishReplay(subscription);
            return outcome;
        }
        catch
        {
            await LeaveAsync(subscription);
            throw;
        }
    }

    /// <summary>Removes a member; the topic is unsubscribed when it was the last one here.</summary>
    public async Task LeaveAsync(StreamSubscription subscription)
    {
        var key = subscription.Stream.Key;
        LocalStream? emptied = null;
        var removed = false;
        lock (_gate)
        {
            if (_streams.TryGetValue(key, out var stream) && stream.Remove(subscription) == 0)
            {
                if (_linger > TimeSpan.Zero)
                {
                    stream.EmptiedAt = _clock.GetTimestamp();
                    if (!stream.Lingering)
                    {
                        stream.Lingering = true;
                        emptied = stream;
                    }
                }
                else
                {
                    _streams.TryRemove(key, out _);
                    stream.Removed = true;
                    removed = true;
                }
            }
        }

        if (emptied is not null)
        {
            // The linger outlives the leaving connection: without the caller's execution context,
            // so its logging scope (and through it the closed connection) is not kept alive for the linger.
            using (ExecutionContext.SuppressFlow())
            {
                _ = RemoveAfterLingerAsync(emptied);
            }

            return;
        }

        if (!removed)
        {
            return;
        }

        await UnsubscribeAsync(key);
    }

    /// <summary>
    /// Removes a stream once it has stayed empty for the whole linger since it last became empty.
    /// One wait per stream: a member who comes and goes meanwhile only moves the deadline.
    /// </summary>
    private async Task RemoveAfterLingerAsync(LocalStream stream)
    {
        var key = stream.Stream.Key;
        var wait = _linger;
        while (true)
        {
            await Task.Delay(wait, _clock);
            lock (_gate)
            {
                if (stream.MemberCount > 0 || !_streams.TryGetValue(key, out var current) || !ReferenceEquals(current, stream))
                {
                    stream.Lingering = false;
                    return;
                }

                var emptyFor = _clock.GetElapsedTime(stream.EmptiedAt);
                if (emptyFor < _linger)
                {
                    wait = _linger - emptyFor;
                    continue;
                }

                _streams.TryRemove(key, out _);
                stream.Lingering = false;
                stream.Removed = true;
            }

            await UnsubscribeAsync(key);
            return;
        }
    }

    private async Task UnsubscribeAsync(string key)
    {
        var topicLock = TopicLock(key);
        await topicLock.WaitAsync();
        try
        {
            if (!_streams.ContainsKey(key))
            {
                await _broker.UnsubscribeAsync(key, CancellationToken.None);
            }
        }
        catch (Exception e)
        {
            DispatcherLog.UnsubscribeFailed(_logger, key, e);
        }
        finally
        {
            topicLock.Release();
        }
    }

    /// <summary>Delivers an envelope that this node published itself (local first, before the broker).</summary>
    public void DeliverLocal(StreamId stream, Envelope envelope) => Route(stream.Key, envelope);

    public void OnEnvelope(string topic, Envelope envelope)
    {
        if (!string.Equals(envelope.Origin, _nodeId, StringComparison.Ordinal))
        {
            Route(topic, envelope);
        }
    }

    /// <summary>Anything published while the broker was away may be lost: every stream catches up to the store's head.</summary>
    public void OnReconnected() => _ = CatchUpAllAsync();

    private void Route(string key, Envelope envelope)
    {
        if (!_streams.TryGetValue(key, out var stream))
        {
            return;
        }

        if (envelope.Kind == EnvelopeKind.Durable)
        {
            stream.OnDurable(envelope);
        }
        else
        {
            stream.OnEphemeral(envelope);
        }
    }

    private async Task<LocalStream> AttachAsync(StreamSubscription subscription, bool ephemeral, CancellationToken cancellationToken)
    {
        var key = subscription.Stream.Key;
        while (true)
        {
            LocalStream stream;
            bool created;
            lock (_gate)
            {
                created = !_streams.TryGetValue(key, out stream!);
                if (created)
                {
                    stream = new LocalStream(subscription.Stream, _gapFiller, _metrics, _logger, _clock, _gapWait, ephemeral);
                    _streams[key] = stream;
                }

                stream.Add(subscription);
            }

            if (created)
            {
                _ = InitializeAsync(stream);
            }

            try
            {
                await stream.Ready.Task.WaitAsync(cancellationToken);
                return stream;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested && stream.Removed && !stream.Ready.Task.IsFaulted)
            {
                // Raced with the last member leaving; attach to a fresh stream.
            }
            catch
            {
                await LeaveAsync(subscription);
                throw;
            }
        }
    }

    /// <summary>Subscribes the topic and sets the sequencer's mark from the store; a failure fails every waiting join.</summary>
    private async Task InitializeAsync(LocalStream stream)
    {
        var key = stream.Stream.Key;
        var topicLock = TopicLock(key);
        await topicLock.WaitAsync();
        var subscribed = false;
        try
        {
            await _broker.SubscribeAsync(key, this, CancellationToken.None);
            subscribed = true;
            var head = stream.Ephemeral ? default : await _store.GetHeadAsync(stream.Stream, CancellationToken.None);
            stream.Initialize(head.Head);
        }
        catch (Exception e)
        {
            DispatcherLog.StreamInitializeFailed(_logger, key, e);
            lock (_gate)
            {
                if (_streams.TryGetValue(key, out var current) && ReferenceEquals(current, stream))
                {
                    _streams.TryRemove(key, out _);
                }

                stream.Removed = true;
            }

            // Subscribed for nothing: unless a newer stream of this key exists (it subscribes once
            // it gets this lock), the node would receive and discard the topic's traffic forever.
            if (subscribed && !_streams.ContainsKey(key))
            {
                try
                {
                    await _broker.UnsubscribeAsync(key, CancellationToken.None);
                }
                catch (Exception unsubscribe)
                {
                    DispatcherLog.UnsubscribeFailed(_logger, key, unsubscribe);
                }
            }

            stream.Ready.TrySetException(new StoreUnavailableException("The stream could not be subscribed.", e));
        }
        finally
        {
            topicLock.Release();
        }
    }

    private async Task ReplayAsync(StreamSubscription subscription, long head, CancellationToken cancellationToken)
    {
        var member = subscription.Member;
        while (subscription.LastSeq < head)
        {
            var page = await _store.ReadAfterAsync(subscription.Stream, subscription.LastSeq, ReplayPage, cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var message in page)
            {
                if (message.Seq > head)
                {
                    return;
                }

                await member.WaitForQueueRoomAsync(cancellationToken);
                member.Send(MessageFrames.Encode(subscription.Stream, message), FrameClass.MustDeliver);
                subscription.LastSeq = message.Seq;

                // The read loop waits for this replay, so the client's own frames (its pongs) stay
                // unread until it ends: a client reading the replay, which frees queue room, is active.
                member.Touch();
            }
        }
    }

    /// <summary>
    /// Reads the store's head of every stream with members here, in one batched read, and lets
    /// each sequencer fill what it has not delivered. Run after a broker reconnect and, in cluster
    /// mode, periodically: it bounds the delay of a message whose broadcast was lost and that no
    /// later message revealed as a gap.
    /// </summary>
    public async Task CatchUpAllAsync()
    {
        // An ephemeral room has nothing in the store to catch up to.
        var streams = _streams.Values.Where(s => !s.Ephemeral).ToList();
        if (streams.Count == 0)
        {
            return;
        }

        try
        {
            var heads = await _store.GetHeadsAsync([.. streams.Select(s => s.Stream)], CancellationToken.None);
            foreach (var stream in streams)
            {
                if (heads.TryGetValue(stream.Stream, out var head))
                {
                    stream.CatchUpTo(head);
                }
            }
        }
        catch (Exception e)
        {
            DispatcherLog.CatchUpFailed(_logger, streams.Count, e);
        }
    }

    private SemaphoreSlim TopicLock(string key) => _topicLocks[(StringComparer.Ordinal.GetHashCode(key) & int.MaxValue) % _topicLocks.Length];
}

/// <summary>The stream's head when the member attached, and whether the replay covered everything asked for.</summary>
internal readonly record struct JoinOutcome(long Head, bool Resumed);

internal static partial class DispatcherLog
{
    [LoggerMessage(EventId = 1310, Level = LogLevel.Warning, Message = "Subscribing {Stream} failed; its joins are refused until the broker and store answer.")]
    public static partial void StreamInitializeFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(EventId = 1311, Level = LogLevel.Warning, Message = "Unsubscribing {Stream} failed.")]
    public static partial void UnsubscribeFailed(ILogger logger, string stream, Exception exception);

    [LoggerMessage(EventId = 1312, Level = LogLevel.Warning, Message = "Reading the heads of {Count} streams to catch up failed; the next check retries.")]
    public static partial void CatchUpFailed(ILogger logger, int count, Exception exception);
}
