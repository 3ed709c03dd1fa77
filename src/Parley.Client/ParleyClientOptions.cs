using System.Net.WebSockets;
using System.Text.Json;

namespace Parley.Client;

/// <summary>
/// Settings of a <see cref="ParleyClient"/>. <see cref="Url"/> and <see cref="TokenProvider"/> are
/// required; every other setting has a default suited to an interactive application. The client
/// validates the options when it is constructed and never reads them again afterwards, so one
/// instance may be shared by several clients.
/// </summary>
public sealed class ParleyClientOptions
{
    /// <summary>
    /// The WebSocket endpoint of any Parley node, for example <c>wss://chat.example.com/v1/ws</c>.
    /// Every node is equivalent: reconnects may land on a different one.
    /// </summary>
    public required Uri Url { get; init; }

    /// <summary>
    /// Supplies the JWT that authenticates the connection. It is called for the first connect, after
    /// the server closes with <c>4003 token_expired</c> (or when the cached token is within
    /// <see cref="TokenRefreshMargin"/> of its expiry), and for the in-band <c>refresh</c> sent
    /// <see cref="TokenRefreshMargin"/> before the expiry the server reported.
    /// </summary>
    public required Func<CancellationToken, ValueTask<string>> TokenProvider { get; init; }

    /// <summary>
    /// Whether to reconnect and resume after a network failure or a close code in 4000–4499.
    /// When false, a dropped connection leaves the client <see cref="ConnectionState.Disconnected"/>
    /// and <see cref="ParleyClient.ConnectAsync"/> may be called again (it still resumes).
    /// </summary>
    public bool AutoReconnect { get; init; } = true;

    /// <summary>
    /// The ceiling of the first reconnect delay; each failed attempt doubles the ceiling up to
    /// <see cref="ReconnectMaxDelay"/>, and the actual delay is drawn uniformly below it (full jitter),
    /// so that thousands of clients dropped together do not return together.
    /// </summary>
    public TimeSpan ReconnectInitialDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The largest ceiling of a reconnect delay, however many attempts have failed.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Bounds every request from the call to its reply, including time spent waiting for a
    /// reconnect, and bounds each connection attempt (upgrade plus <c>connect</c> handshake).
    /// A request that runs out of time throws <see cref="TimeoutException"/>.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long before the token's expiry the client asks <see cref="TokenProvider"/> for a new token
    /// and sends it with <c>refresh</c>. Tokens shorter-lived than the margin are refreshed halfway
    /// through their remaining life instead.
    /// </summary>
    public TimeSpan TokenRefreshMargin { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether reconnects ask for the direct messages missed while disconnected (the <c>inbox</c>
    /// field of <c>connect</c>). When false, direct messages are delivered live only.
    /// </summary>
    public bool ResumeInbox { get; init; } = true;

    /// <summary>
    /// The last inbox sequence an earlier run of the application saw, to receive the direct
    /// messages that arrived while it was not running. Null (the default) starts the inbox at its
    /// current head: only direct messages sent from now on are delivered.
    /// </summary>
    public long? InboxSince { get; init; }

    /// <summary>
    /// Serializes the <see cref="object"/> bodies given to the send and signal methods, and is the
    /// default for <see cref="ParleyMessage.BodyAs{T}"/>. Defaults to
    /// <see cref="JsonSerializerOptions.Web"/> (camelCase names), which is what browser peers expect.
    /// </summary>
    public JsonSerializerOptions BodySerializerOptions { get; init; } = JsonSerializerOptions.Web;

    /// <summary>
    /// Adjusts each <see cref="ClientWebSocket"/> before it connects: a proxy, client certificates,
    /// extra request headers. The client sets <see cref="ClientWebSocketOptions.CollectHttpResponseDetails"/>
    /// itself; turning it off disables honouring <c>Retry-After</c>.
    /// </summary>
    public Action<ClientWebSocketOptions>? ConfigureWebSocket { get; init; }

    /// <summary>
    /// How long <see cref="ParleyClient.ConnectAsync"/> keeps trying, attempts and the backoff
    /// between them included, before it gives up with a <see cref="ParleyException"/>. Defaults to
    /// 30 seconds: long enough to ride out a node restart, short enough for a user to be told.
    /// <see cref="Timeout.InfiniteTimeSpan"/> keeps trying until the call is cancelled or
    /// <see cref="ConnectMaxAttempts"/> is reached.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most connection attempts <see cref="ParleyClient.ConnectAsync"/> makes; null (the
    /// default) bounds them by <see cref="ConnectTimeout"/> only. 1 makes a single attempt.
    /// Reconnects after a connection was established are not counted: they go on until a
    /// terminal close code or <see cref="ParleyClient.CloseAsync"/>.
    /// </summary>
    public int? ConnectMaxAttempts { get; init; }

    /// <summary>
    /// Whether the client keeps every delivered message for <see cref="ParleyClient.ReadMessagesAsync"/>
    /// and <see cref="ParleyClient.Messages"/>, from its construction on, so that the order of
    /// connecting, joining and reading does not matter. False (the default) delivers messages through
    /// <see cref="ParleyClient.MessageReceived"/> only, and reading the stream throws
    /// <see cref="InvalidOperationException"/>: an application that only handles the event never
    /// holds messages nobody reads. When true, the application must read the stream: once it holds
    /// <see cref="MessageBufferLimit"/> messages or <see cref="MessageBufferByteLimit"/> bytes, the
    /// client stops reading the connection until the application takes one (see docs/dotnet-sdk.md).
    /// </summary>
    public bool BufferMessages { get; init; }

    /// <summary>
    /// The most messages the stream holds unread; 10,000 by default, a few minutes of a busy room.
    /// Past it the client applies backpressure instead of dropping: see <see cref="BufferMessages"/>.
    /// </summary>
    public int MessageBufferLimit { get; init; } = 10_000;

    /// <summary>
    /// The most bytes (of the frames as received) the stream holds unread; 16 MiB by default. A
    /// single message larger than the limit is still admitted when the stream is empty, so that it
    /// never blocks delivery for good.
    /// </summary>
    public long MessageBufferByteLimit { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// The clock for reconnect backoff, <c>Retry-After</c> and <c>reconnect</c> hints, request,
    /// connect and close timeouts and token expiry. Defaults to <see cref="TimeProvider.System"/>;
    /// a fake clock (<c>Microsoft.Extensions.Time.Testing.FakeTimeProvider</c>) makes those delays
    /// testable without waiting.
    /// </summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    internal void Validate()
    {
        if (Url is null)
        {
            throw new ArgumentException($"{nameof(Url)} is required.", "options");
        }

        if (!Url.IsAbsoluteUri || (Url.Scheme != "ws" && Url.Scheme != "wss"))
        {
            throw new ArgumentException($"{nameof(Url)} must be an absolute ws:// or wss:// address, such as ws://localhost:8080/v1/ws; got '{Url}'.", "options");
        }

        if (TokenProvider is null)
        {
            throw new ArgumentException($"{nameof(TokenProvider)} is required: the server accepts no connection without a token.", "options");
        }

        RequirePositive(ReconnectInitialDelay, nameof(ReconnectInitialDelay));
        RequirePositive(ReconnectMaxDelay, nameof(ReconnectMaxDelay));
        RequirePositive(RequestTimeout, nameof(RequestTimeout));
        if (ReconnectInitialDelay > ReconnectMaxDelay)
        {
            throw new ArgumentException($"{nameof(ReconnectInitialDelay)} ({ReconnectInitialDelay}) must not exceed {nameof(ReconnectMaxDelay)} ({ReconnectMaxDelay}).", "options");
        }

        if (ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            RequirePositive(ConnectTimeout, nameof(ConnectTimeout));
        }

        if (ConnectMaxAttempts < 1)
        {
            throw new ArgumentException($"{nameof(ConnectMaxAttempts)} must be at least 1 when set; got {ConnectMaxAttempts}.", "options");
        }

        if (MessageBufferLimit < 1)
        {
            throw new ArgumentException($"{nameof(MessageBufferLimit)} must be at least 1; got {MessageBufferLimit}.", "options");
        }

        if (MessageBufferByteLimit < 1)
        {
            throw new ArgumentException($"{nameof(MessageBufferByteLimit)} must be at least 1; got {MessageBufferByteLimit}.", "options");
        }

        if (TokenRefreshMargin < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(TokenRefreshMargin)} must not be negative; got {TokenRefreshMargin}.", "options");
        }

        if (InboxSince < 0)
        {
            throw new ArgumentException($"{nameof(InboxSince)} must not be negative; got {InboxSince}.", "options");
        }

        if (BodySerializerOptions is null)
        {
            throw new ArgumentException($"{nameof(BodySerializerOptions)} must not be null.", "options");
        }

        if (TimeProvider is null)
        {
            throw new ArgumentException($"{nameof(TimeProvider)} must not be null.", "options");
        }
    }

    /// <summary>
    /// Sees each frame the server sends, as received and before the client reads it. Internal: it
    /// exists so Parley's own end-to-end tests can check every frame against the protocol's schemas.
    /// </summary>
    internal Action<ReadOnlyMemory<byte>>? FrameObserver { get; init; }

    private static void RequirePositive(TimeSpan value, string name)
    {
        // Timers take at most int.MaxValue milliseconds (about 24 days).
        if (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentException($"{name} must be positive and at most {TimeSpan.FromMilliseconds(int.MaxValue)}; got {value}.", "options");
        }
    }
}
