using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;

namespace Parley.Client;

/// <summary>
/// A connection to Parley that survives the network: it reconnects with jittered backoff, resumes
/// every joined room and the inbox from the last sequence it delivered, re-sends unacknowledged
/// sends with their original id, and drops the duplicates a resume may bring. Every durable
/// message is delivered once, in sequence order per room, through <see cref="MessageReceived"/>
/// and, with <see cref="ParleyClientOptions.BufferMessages"/>, through <see cref="ReadMessagesAsync"/>.
/// Thread-safe; one instance per user session. docs/dotnet-sdk.md is the guide.
/// </summary>
/// <example>
/// <code>
/// await using var client = new ParleyClient(new ParleyClientOptions
/// {
///     Url = new Uri("wss://chat.example.com/v1/ws"),
///     TokenProvider = ct => myAuth.GetParleyTokenAsync(ct),
///     BufferMessages = true,
/// });
/// await client.ConnectAsync();
/// await client.JoinAsync("general");
/// var ack = await client.SendAsync("general", new { text = "hi" });
/// await foreach (var message in client.ReadMessagesAsync()) { ... }
/// </code>
/// </example>
public sealed partial class ParleyClient : IAsyncDisposable
{
    private readonly ParleyClientOptions _options;
    private readonly TimeProvider _time;
    private readonly StreamPositions _positions;
    private long _lastRid;
    private long _duplicatesDropped;

    // Null unless the options ask for it: an application that only handles the event holds nothing.
    private readonly MessageBuffer? _buffer;

    /// <summary>Creates a client; nothing is sent until <see cref="ConnectAsync"/>.</summary>
    /// <param name="options">The client's settings, validated here.</param>
    /// <exception cref="ArgumentException">A setting is missing or out of range; the message names it.</exception>
    public ParleyClient(ParleyClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = options.TimeProvider;
        _positions = new StreamPositions(options.InboxSince);
        _buffer = options.BufferMessages ? new MessageBuffer(options.MessageBufferLimit, options.MessageBufferByteLimit) : null;
    }

    /// <summary>
    /// Raised for every durable message, room or direct, once and in sequence order per stream,
    /// after duplicates are dropped. Handlers run on the receive loop: keep them short (an exception
    /// they throw is caught and ignored, so delivery continues) and move slow work elsewhere, or read
    /// <see cref="ReadMessagesAsync"/> instead. No two handlers of this client's events run at the
    /// same time, and none runs once <see cref="State"/> is <see cref="ConnectionState.Closed"/>.
    /// </summary>
    public event Action<ParleyMessage>? MessageReceived;

    /// <summary>Raised for every ephemeral signal from another member of a joined room. Runs on the receive loop.</summary>
    public event Action<ParleySignal>? SignalReceived;

    /// <summary>Raised when users become or stop being present in a joined room. Runs on the receive loop.</summary>
    public event Action<PresenceChange>? PresenceChanged;

    /// <summary>
    /// Raised after every change of <see cref="State"/>, with the new state, in the order of the
    /// changes. <see cref="ConnectionState.Closed"/> is the last event the client raises.
    /// </summary>
    public event Action<ConnectionState>? StateChanged;

    /// <summary>
    /// Raised for errors that belong to no pending request: an <c>error</c> frame without a matching
    /// request, a room the server left on this connection's behalf, an unreadable frame, a failed
    /// token refresh, a full message stream (<see cref="ParleyClientErrorCodes.MessageBufferFull"/>).
    /// The connection keeps working.
    /// </summary>
    public event Action<ParleyError>? ErrorReceived;

    /// <summary>
    /// The messages of <see cref="ReadMessagesAsync"/> as a channel, for consumers that want
    /// <see cref="ChannelReader{T}.TryRead"/> or <see cref="ChannelReader{T}.WaitToReadAsync"/>.
    /// Holds every message delivered since the client was constructed, whenever it is first read;
    /// bounded as <see cref="ParleyClientOptions.BufferMessages"/> describes; completes when the
    /// client is closed, after the messages still held are read. Each message goes to one reader.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="ParleyClientOptions.BufferMessages"/> is false.</exception>
    public ChannelReader<ParleyMessage> Messages => (_buffer ?? throw NoBuffer()).Reader;

    /// <summary>
    /// Every durable message, room or direct, once and in sequence order per stream, from the
    /// client's construction on, for <c>await foreach</c>. Reading may start at any time: messages
    /// that arrived before are held (see <see cref="ParleyClientOptions.BufferMessages"/> for the
    /// bound and what happens past it). The enumeration ends when the client is closed and the
    /// messages still held have been read. Each message goes to one reader: enumerate once.
    /// </summary>
    /// <param name="cancellationToken">Ends the enumeration with <see cref="OperationCanceledException"/>; the client is unaffected and a later enumeration continues where this one stopped.</param>
    /// <returns>The messages, as they are delivered.</returns>
    /// <exception cref="InvalidOperationException"><see cref="ParleyClientOptions.BufferMessages"/> is false (thrown by this call, before enumerating).</exception>
    public IAsyncEnumerable<ParleyMessage> ReadMessagesAsync(CancellationToken cancellationToken = default)
        => ReadAllAsync(_buffer ?? throw NoBuffer(), cancellationToken);

    /// <summary>How many messages were dropped because their sequence had already been delivered (replays overlapping live traffic after a resume).</summary>
    public long DuplicatesDropped => Interlocked.Read(ref _duplicatesDropped);

    /// <summary>The last inbox sequence delivered (0 before any): what the next reconnect resumes direct messages from. Persist it to pass as <see cref="ParleyClientOptions.InboxSince"/> on the next run.</summary>
    public long InboxSeq => _positions.Inbox ?? 0;

    /// <summary>The last sequence delivered in <paramref name="room"/> (0 when none): what the next reconnect resumes it from, and a <c>since</c> to persist for a later <see cref="JoinAsync"/>.</summary>
    /// <param name="room">A room name.</param>
    /// <returns>The sequence number, or 0.</returns>
    public long LastSeq(string room)
    {
        ArgumentNullException.ThrowIfNull(room);
        return _positions.Room(room) ?? 0;
    }

    /// <summary>
    /// Joins a room. Without <paramref name="since"/> only messages sent from now on are delivered;
    /// with it, every message after that sequence is replayed first (0 replays all that is retained).
    /// Once joined, the room is resumed by every reconnect until <see cref="LeaveAsync"/>. Should the
    /// server fail to replay after confirming the join, it removes the connection from the room:
    /// the room stops being resumed and <see cref="ErrorReceived"/> reports the reason
    /// (<c>store_unavailable</c>); join again to retry.
    /// </summary>
    /// <param name="room">The room name (letters, digits, <c>_ - . :</c>; at most 64 characters).</param>
    /// <param name="since">The last sequence already seen in this room, for example from <see cref="LastSeq"/> in an earlier run.</param>
    /// <param name="cancellationToken">Cancels the wait for the reply.</param>
    /// <returns>The room's head and whether the replay is complete.</returns>
    /// <exception cref="ParleyException">The server refused: <c>invalid_room</c>, <c>forbidden</c>, <c>room_limit</c>, <c>rate_limited</c> or <c>store_unavailable</c>; <c>closed</c> (the client is closed) or <c>not_connected</c> (it is disconnected with <see cref="ParleyClientOptions.AutoReconnect"/> off, or was never connected).</exception>
    /// <exception cref="TimeoutException">No reply within <see cref="ParleyClientOptions.RequestTimeout"/>, reconnects included.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async Task<JoinResult> JoinAsync(string room, long? since = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        ArgumentOutOfRangeException.ThrowIfNegative(since ?? 0, nameof(since));
        if (since is { } start)
        {
            _positions.StartRoomAt(room, start);
        }

        var joined = await RequestAsync<JoinedFrame>(
            rid => FrameWriter.Join(rid, room, since),
            reply =>
            {
                if (reply is JoinedFrame j)
                {
                    _positions.Joined(j.Result.Room, j.Result.Head, liveOnly: since is null, j.Result.Ephemeral);
                }
            },
            cancellationToken).ConfigureAwait(false);
        return joined.Result;
    }

    /// <summary>Leaves a room: its messages stop and reconnects no longer resume it. <see cref="LastSeq"/> keeps its value.</summary>
    /// <param name="room">The room name.</param>
    /// <param name="cancellationToken">Cancels the wait for the reply.</param>
    /// <returns>A task that completes when the server confirmed.</returns>
    /// <exception cref="ParleyException">The server refused: <c>invalid_room</c>; <c>closed</c> (the client is closed) or <c>not_connected</c> (it is disconnected with <see cref="ParleyClientOptions.AutoReconnect"/> off, or was never connected).</exception>
    /// <exception cref="TimeoutException">No reply within <see cref="ParleyClientOptions.RequestTimeout"/>, reconnects included.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async Task LeaveAsync(string room, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        await RequestAsync<LeftFrame>(
            rid => FrameWriter.Leave(rid, room),
            reply =>
            {
                if (reply is LeftFrame left)
                {
                    _positions.Left(left.Room);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a durable message to a room and returns once the server committed it. If the
    /// connection drops first, the same message (same id) is sent again after the reconnect; the
    /// server stores it once whatever the number of attempts.
    /// </summary>
    /// <param name="room">The room; joining it is not required, only the token's permission.</param>
    /// <param name="body">Any value, serialized with <see cref="ParleyClientOptions.BodySerializerOptions"/>.</param>
    /// <param name="messageId">An idempotency key unique per sender; a new one is generated when null. Pass your own to retry safely after a <see cref="TimeoutException"/>.</param>
    /// <param name="cancellationToken">Cancels the wait; the message may still be committed.</param>
    /// <returns>The committed sequence number and timestamp.</returns>
    /// <exception cref="ParleyException">The server refused: <c>forbidden</c>, <c>rate_limited</c>, <c>body_too_large</c>, <c>store_unavailable</c> (nothing stored), <c>outcome_unknown</c> (perhaps stored: send again with the same message id to learn which), <c>id_conflict</c> (the id was used before for another message) and the other send errors; <c>closed</c> (the client is closed) or <c>not_connected</c> (it is disconnected with <see cref="ParleyClientOptions.AutoReconnect"/> off, or was never connected).</exception>
    /// <exception cref="TimeoutException">No acknowledgement within <see cref="ParleyClientOptions.RequestTimeout"/>, reconnects included; the message may still be committed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the message may still be committed: send again with the same message id to find out.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public Task<SendResult> SendAsync(string room, object? body, string? messageId = null, CancellationToken cancellationToken = default)
        => SendAsync(room, Serialize(body), messageId, cancellationToken);

    /// <summary>Sends a durable message whose body is already JSON; otherwise the same as <see cref="SendAsync(string, object?, string?, CancellationToken)"/>.</summary>
    /// <param name="room">The room.</param>
    /// <param name="body">The body, sent unchanged.</param>
    /// <param name="messageId">An idempotency key unique per sender; a new one is generated when null.</param>
    /// <param name="cancellationToken">Cancels the wait; the message may still be committed.</param>
    /// <returns>The committed sequence number and timestamp.</returns>
    /// <exception cref="ParleyException">The server refused: <c>forbidden</c>, <c>rate_limited</c>, <c>body_too_large</c>, <c>store_unavailable</c> (nothing stored), <c>outcome_unknown</c> (perhaps stored: send again with the same message id to learn which), <c>id_conflict</c> (the id was used before for another message) and the other send errors; <c>closed</c> (the client is closed) or <c>not_connected</c> (it is disconnected with <see cref="ParleyClientOptions.AutoReconnect"/> off, or was never connected).</exception>
    /// <exception cref="TimeoutException">No acknowledgement within <see cref="ParleyClientOptions.RequestTimeout"/>, reconnects included; the message may still be committed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the message may still be committed: send again with the same message id to find out.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public Task<SendResult> SendAsync(string room, JsonElement body, string? messageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        return SendCoreAsync(room, to: null, body, messageId, cancellationToken);
    }

    /// <summary>
    /// Sends a durable direct message to a user of the same tenant: it reaches every connection of
    /// the recipient and of this user. Acknowledged, re-sent and de-duplicated like a room send;
    /// the returned sequence is the message's position in this user's own inbox.
    /// </summary>
    /// <param name="user">The recipient's user id.</param>
    /// <param name="body">Any value, serialized with <see cref="ParleyClientOptions.BodySerializerOptions"/>.</param>
    /// <param name="messageId">An idempotency key unique per sender; a new one is generated when null.</param>
    /// <param name="cancellationToken">Cancels the wait; the message may still be committed.</param>
    /// <returns>The committed sequence number (in this user's inbox) and timestamp.</returns>
    /// <exception cref="ParleyException">The server refused: <c>invalid_user</c>, <c>rate_limited</c>, <c>body_too_large</c>, <c>store_unavailable</c> (nothing stored), <c>outcome_unknown</c> (perhaps stored: send again with the same message id to learn which), <c>id_conflict</c> (the id was used before for another message) and the other send errors; <c>closed</c> (the client is closed) or <c>not_connected</c> (it is disconnected with <see cref="ParleyClientOptions.AutoReconnect"/> off, or was never connected).</exception>
    /// <exception cref="TimeoutException">No acknowledgement within <see cref="ParleyClientOptions.RequestTimeout"/>, reconnects included; the message may still be committed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the message may still be committed: send again with the same message id to find out.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public Task<SendResult> SendDirectAsync(string user, object? body, string? messageId = null, CancellationToken cancellationToken = default)
        => SendDirectAsync(user, Serialize(body), messageId, cancellationToken);

    /// <summary>Sends a durable direct message whose body is already JSON; otherwise the same as <see cref="SendDirectAsync(string, object?, string?, CancellationToken)"/>.</summary>
    /// <param name="user">The recipient's user id.</param>
    /// <param name="body">The body, sent unchanged.</param>
    /// <param name="messageId">An idempotency key unique per sender; a new one is generated when null.</param>
    /// <param name="cancellationToken">Cancels the wait; the message may still be committed.</param>
    /// <returns>The committed sequence number (in this user's inbox) and timestamp.</returns>
    /// <exception cref="ParleyException">The server refused: <c>invalid_user</c>, <c>rate_limited</c>, <c>body_too_large</c>, <c>store_unavailable</c> (nothing stored), <c>outcome_unknown</c> (perhaps stored: send again with the same message id to learn which), <c>id_conflict</c> (the id was used before for another message) and the other send errors; <c>closed</c> (the client is closed) or <c>not_connected</c> (it is disconnected with <see cref="ParleyClientOptions.AutoReconnect"/> off, or was never connected).</exception>
    /// <exception cref="TimeoutException">No acknowledgement within <see cref="ParleyClientOptions.RequestTimeout"/>, reconnects included; the message may still be committed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the message may still be committed: send again with the same message id to find out.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public Task<SendResult> SendDirectAsync(string user, JsonElement body, string? messageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        return SendCoreAsync(room: null, user, body, messageId, cancellationToken);
    }

    /// <summary>
    /// Sends an ephemeral signal (a typing indicator, a cursor) to the other members of a joined
    /// room. Never stored or acknowledged and never re-sent: it is written once to the current
    /// connection, waiting for a reconnect within the request timeout if there is none.
    /// </summary>
    /// <param name="room">A room this connection has joined.</param>
    /// <param name="body">Any value, serialized with <see cref="ParleyClientOptions.BodySerializerOptions"/>.</param>
    /// <param name="cancellationToken">Cancels the wait for a connection.</param>
    /// <returns>A task that completes when the frame is written.</returns>
    /// <exception cref="ParleyException"><c>not_connected</c> also when the connection dropped under the write (signals are never re-sent); <c>closed</c> (the client is closed) or <c>not_connected</c> (it is disconnected with <see cref="ParleyClientOptions.AutoReconnect"/> off, or was never connected).</exception>
    /// <exception cref="TimeoutException">No connection to write to within <see cref="ParleyClientOptions.RequestTimeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before the frame was written.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async Task SignalAsync(string room, object? body, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        var frame = FrameWriter.Signal(room, Serialize(body));
        await WriteOnceAsync(frame, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads a page of a room's stored messages. With <paramref name="before"/>, the newest
    /// <paramref name="limit"/> messages below it; with <paramref name="after"/>, the oldest above it;
    /// with neither, the newest. History is not de-duplicated against live delivery and does not move <see cref="LastSeq"/>.
    /// </summary>
    /// <param name="room">The room; the token must allow it, joining is not required.</param>
    /// <param name="before">Only messages with a smaller sequence.</param>
    /// <param name="after">Only messages with a larger sequence; not together with <paramref name="before"/>.</param>
    /// <param name="limit">At most this many messages (1–500; the server's default is 50).</param>
    /// <param name="cancellationToken">Cancels the wait for the reply.</param>
    /// <returns>The page, in ascending sequence order.</returns>
    /// <exception cref="ParleyException">The server refused: <c>forbidden</c>, <c>invalid_room</c>, <c>store_unavailable</c>, <c>overloaded</c> (retry later); <c>closed</c> (the client is closed) or <c>not_connected</c> (it is disconnected with <see cref="ParleyClientOptions.AutoReconnect"/> off, or was never connected).</exception>
    /// <exception cref="TimeoutException">No reply within <see cref="ParleyClientOptions.RequestTimeout"/>, reconnects included.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public Task<HistoryPage> HistoryAsync(string room, long? before = null, long? after = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        return HistoryCoreAsync(room, before, after, limit, cancellationToken);
    }

    /// <summary>Reads a page of this user's direct-message inbox; paging works as in <see cref="HistoryAsync(string, long?, long?, int?, CancellationToken)"/>.</summary>
    /// <param name="before">Only messages with a smaller inbox sequence.</param>
    /// <param name="after">Only messages with a larger inbox sequence; not together with <paramref name="before"/>.</param>
    /// <param name="limit">At most this many messages (1–500; the server's default is 50).</param>
    /// <param name="cancellationToken">Cancels the wait for the reply.</param>
    /// <returns>The page, in ascending sequence order, with a null <see cref="HistoryPage.Room"/>.</returns>
    /// <exception cref="ParleyException">The server refused: <c>store_unavailable</c>, <c>overloaded</c> (retry later); <c>closed</c> (the client is closed) or <c>not_connected</c> (it is disconnected with <see cref="ParleyClientOptions.AutoReconnect"/> off, or was never connected).</exception>
    /// <exception cref="TimeoutException">No reply within <see cref="ParleyClientOptions.RequestTimeout"/>, reconnects included.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public Task<HistoryPage> InboxHistoryAsync(long? before = null, long? after = null, int? limit = null, CancellationToken cancellationToken = default)
        => HistoryCoreAsync(room: null, before, after, limit, cancellationToken);

    /// <summary>Lists the users present in a room: those with at least one connection that joined it.</summary>
    /// <param name="room">The room.</param>
    /// <param name="cancellationToken">Cancels the wait for the reply.</param>
    /// <returns>The user ids present.</returns>
    /// <exception cref="ParleyException">The server refused: <c>invalid_room</c>, <c>forbidden</c>; <c>closed</c> (the client is closed) or <c>not_connected</c> (it is disconnected with <see cref="ParleyClientOptions.AutoReconnect"/> off, or was never connected).</exception>
    /// <exception cref="TimeoutException">No reply within <see cref="ParleyClientOptions.RequestTimeout"/>, reconnects included.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async Task<IReadOnlyList<string>> PresenceAsync(string room, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        var reply = await RequestAsync<PresenceListFrame>(rid => FrameWriter.Presence(rid, room), null, cancellationToken).ConfigureAwait(false);
        return reply.Users;
    }

    /// <summary>Sends a <c>ping</c> and waits for its <c>pong</c>: proof that the connection and the node answer.</summary>
    /// <param name="cancellationToken">Cancels the wait for the reply.</param>
    /// <returns>A task that completes when the pong arrived.</returns>
    /// <exception cref="ParleyException">The server answered with an error; <c>closed</c> (the client is closed) or <c>not_connected</c> (it is disconnected with <see cref="ParleyClientOptions.AutoReconnect"/> off, or was never connected).</exception>
    /// <exception cref="TimeoutException">No reply within <see cref="ParleyClientOptions.RequestTimeout"/>, reconnects included.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public Task PingAsync(CancellationToken cancellationToken = default)
        => RequestAsync<PongFrame>(FrameWriter.Ping, null, cancellationToken);

    private async Task<SendResult> SendCoreAsync(string? room, string? to, JsonElement body, string? messageId, CancellationToken cancellationToken)
    {
        if (messageId is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(messageId);
        }

        // Time-ordered ids keep the server's idempotency index append-mostly.
        var id = messageId ?? Guid.CreateVersion7().ToString("N");
        var ack = await RequestAsync<AckFrame>(rid => FrameWriter.Send(rid, room, to, id, body), null, cancellationToken).ConfigureAwait(false);
        return ack.Result;
    }

    private async Task<HistoryPage> HistoryCoreAsync(string? room, long? before, long? after, int? limit, CancellationToken cancellationToken)
    {
        if (before is not null && after is not null)
        {
            throw new ArgumentException("Page either backwards (before) or forwards (after), not both.", nameof(after));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(before ?? 0, nameof(before));
        ArgumentOutOfRangeException.ThrowIfNegative(after ?? 0, nameof(after));
        if (limit is < 1 or > 500)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "A history page holds 1 to 500 messages.");
        }

        var reply = await RequestAsync<HistoryFrame>(rid => FrameWriter.History(rid, room, before, after, limit), null, cancellationToken).ConfigureAwait(false);
        return reply.Page;
    }

    private static async IAsyncEnumerable<ParleyMessage> ReadAllAsync(MessageBuffer buffer, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = buffer.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var message))
            {
                yield return message;
            }
        }
    }

    private static InvalidOperationException NoBuffer()
        => new($"The message stream is off: set {nameof(ParleyClientOptions)}.{nameof(ParleyClientOptions.BufferMessages)} to true, or handle {nameof(MessageReceived)}.");

    private JsonElement Serialize(object? body) => JsonSerializer.SerializeToElement(body, _options.BodySerializerOptions);
}
