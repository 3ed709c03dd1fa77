using System.Collections.Concurrent;

namespace Parley.Bench.Running;

/// <summary>
/// What the publishers know was accepted, against which every receiver is judged: per room, the
/// highest acknowledged sequence and the number of distinct acknowledged messages (Parley), and
/// each publisher's last counter (peers); per user, the direct messages in its inbox.
/// </summary>
internal sealed class Ledger
{
    private readonly ConcurrentDictionary<string, RoomTotals> _rooms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _inboxes = new(StringComparer.Ordinal);

    public RoomTotals Room(string room) => _rooms.GetOrAdd(room, static _ => new RoomTotals());

    public IEnumerable<KeyValuePair<string, RoomTotals>> Rooms => _rooms;

    /// <summary>A direct message committed to both inboxes.</summary>
    public void DirectAcknowledged(string sender, string recipient)
    {
        _inboxes.AddOrUpdate(sender, 1, static (_, n) => n + 1);
        _inboxes.AddOrUpdate(recipient, 1, static (_, n) => n + 1);
    }

    public long InboxCount(string user) => _inboxes.TryGetValue(user, out var n) ? n : 0;

    internal sealed class RoomTotals
    {
        private long _maxSeq;
        private long _acknowledged;

        public ConcurrentDictionary<int, long> SentByPublisher { get; } = new();

        public long MaxSeq => Interlocked.Read(ref _maxSeq);

        public long Acknowledged => Interlocked.Read(ref _acknowledged);

        public void Acknowledge(long seq, bool duplicate)
        {
            if (!duplicate)
            {
                Interlocked.Increment(ref _acknowledged);
            }

            long current;
            while (seq > (current = Interlocked.Read(ref _maxSeq)) && Interlocked.CompareExchange(ref _maxSeq, seq, current) != current)
            {
            }
        }

        public void Sent(int publisher, long counter) => SentByPublisher.AddOrUpdate(publisher, counter, (_, old) => Math.Max(old, counter));
    }
}
