using System.Diagnostics;
using System.Text.Json;
using Parley.Bench.Completeness;
using Parley.Client;

namespace Parley.Bench.Soak;

/// <summary>
/// One soak user: a member of one room, with one application (a <see cref="ParleyClient"/>) at a
/// time. It checks what the application is handed: the room's and the inbox's sequences, each
/// from 1, every value once and in order, and which direct messages from others arrived. A
/// restart replaces the application by a new one that resumes from what the old one saw;
/// whatever the old one is handed after it was detached is ignored, as a closed application
/// would never see it, and must come again through the new one.
/// </summary>
internal sealed class SoakMember(string user, string room, SoakLedger ledger)
{
    private readonly object _gate = new();
    private readonly StreamCheck _room = new();
    private readonly StreamCheck _inbox = new();
    private readonly Dictionary<string, int> _directIds = new(StringComparer.Ordinal);
    private ParleyClient? _client;
    private long _duplicatesDropped;

    public string User { get; } = user;

    public string Room { get; } = room;

    /// <summary>The application now running, or null while it restarts.</summary>
    public ParleyClient? Client
    {
        get
        {
            lock (_gate)
            {
                return _client;
            }
        }
    }

    /// <summary>Starts a new application that resumes the room and the inbox from what this member has seen.</summary>
    public async Task StartAsync(ISoakCluster cluster, TimeSpan requestTimeout, CancellationToken cancellationToken)
    {
        long roomSince;
        long inboxSince;
        lock (_gate)
        {
            roomSince = _room.Next - 1;
            inboxSince = _inbox.Next - 1;
        }

        var client = new ParleyClient(new ParleyClientOptions
        {
            Url = cluster.WebSocketUri,
            TokenProvider = _ => ValueTask.FromResult(cluster.Token(ledger.Tenant, User)),
            InboxSince = inboxSince,
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(100),
            ReconnectMaxDelay = TimeSpan.FromSeconds(2),
            RequestTimeout = requestTimeout,
        });
        client.MessageReceived += message => OnMessage(client, message);
        lock (_gate)
        {
            _client = client;
        }

        await client.ConnectAsync(cancellationToken);
        await client.JoinAsync(Room, roomSince, cancellationToken);
    }

    /// <summary>Detaches and closes the running application; what it is handed from now on does not count.</summary>
    public async Task StopAsync()
    {
        ParleyClient? client;
        lock (_gate)
        {
            client = _client;
            _client = null;
        }

        if (client is not null)
        {
            Interlocked.Add(ref _duplicatesDropped, client.DuplicatesDropped);
            await client.DisposeAsync();
        }
    }

    /// <summary>
    /// Leaves the room and joins it again from the last sequence seen. A join that fails (the store
    /// is restarting) is tried again, as an application would, until it works or the application
    /// is replaced; returns the number of failed attempts.
    /// </summary>
    public async Task<int> RejoinAsync(CancellationToken cancellationToken)
    {
        var client = Client;
        if (client is null)
        {
            return 0;
        }

        await client.LeaveAsync(Room, cancellationToken);
        for (var failed = 0; ; failed++)
        {
            long since;
            lock (_gate)
            {
                since = _room.Next - 1;
            }

            try
            {
                await client.JoinAsync(Room, since, cancellationToken);
                return failed;
            }
            catch (Exception e) when (e is ParleyException or TimeoutException && failed < 60 && ReferenceEquals(client, Client))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
        }
    }

    /// <summary>Judges this member against the last sequence of its room and of its inbox, and the direct messages it should hold.</summary>
    public MemberVerdict Finish(long roomLast, long inboxLast, IEnumerable<string> directIdsForMe)
    {
        lock (_gate)
        {
            var room = _room.Finish(roomLast);
            var inbox = _inbox.Finish(inboxLast);
            var directMissing = directIdsForMe.Count(id => !_directIds.ContainsKey(id));
            var directRepeated = _directIds.Values.Sum(n => n - 1);
            var dropped = Interlocked.Read(ref _duplicatesDropped) + (_client?.DuplicatesDropped ?? 0);
            return new MemberVerdict(
                room.Missing + inbox.Missing + directMissing,
                room.Repeated + inbox.Repeated + directRepeated,
                room.OutOfOrder + inbox.OutOfOrder,
                dropped)
            {
                Detail = $"room {Room} missing {room.Missing} (seen up to {_room.Next - 1} of {roomLast}, contiguous to {_room.Contiguous}), inbox missing {inbox.Missing}, direct missing {directMissing}, application {(_client is null ? "stopped" : _client.State.ToString())}",
            };
        }
    }

    /// <summary>The highest room and inbox sequences this member has seen.</summary>
    public (long Room, long Inbox) Highest
    {
        get
        {
            lock (_gate)
            {
                return (_room.Next - 1, _inbox.Next - 1);
            }
        }
    }

    private void OnMessage(ParleyClient from, ParleyMessage message)
    {
        var now = ledger.Clock.ElapsedMilliseconds;
        lock (_gate)
        {
            if (!ReferenceEquals(from, _client))
            {
                return;
            }

            var check = message.IsDirect ? _inbox : _room;
            var before = check.Received;
            check.Observe(message.Seq);
            if (message.IsDirect && message.From != User)
            {
                _directIds[message.Id] = _directIds.GetValueOrDefault(message.Id) + 1;
            }

            if (check.Received == before)
            {
                return;
            }
        }

        ledger.Delivered(now - SentAt(message.Body));
    }

    private static long SentAt(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("t", out var t) && t.TryGetInt64(out var value) ? value : 0;
}

/// <summary>What one member lacked or had too often at the end of a soak.</summary>
internal readonly record struct MemberVerdict(long Missing, long Repeated, long OutOfOrder, long DuplicatesDropped)
{
    /// <summary>Where the missing ones were, for the report: room, inbox and direct messages apart.</summary>
    public string Detail { get; init; } = "";
}
