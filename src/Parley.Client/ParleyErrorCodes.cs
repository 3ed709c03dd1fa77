namespace Parley.Client;

/// <summary>
/// The values of <see cref="ParleyException.Code"/> and <see cref="ParleyError.Code"/>: the server's
/// error codes from the protocol reference, and the few the client raises itself.
/// </summary>
public static class ParleyErrorCodes
{
    /// <summary>The server could not read a frame (not JSON, wrong field type, missing field).</summary>
    public const string BadFrame = "bad_frame";

    /// <summary>The server does not know the frame's <c>op</c>.</summary>
    public const string UnknownOp = "unknown_op";

    /// <summary>The frame was larger than the server accepts; it was discarded.</summary>
    public const string FrameTooLarge = "frame_too_large";

    /// <summary>A second <c>connect</c> on a connection that is already authenticated.</summary>
    public const string AlreadyConnected = "already_connected";

    /// <summary>A room name breaks the identifier rules.</summary>
    public const string InvalidRoom = "invalid_room";

    /// <summary>A user id breaks the identifier rules.</summary>
    public const string InvalidUser = "invalid_user";

    /// <summary>A message id breaks the identifier rules.</summary>
    public const string InvalidId = "invalid_id";

    /// <summary>A send without a body.</summary>
    public const string MissingBody = "missing_body";

    /// <summary>The body is larger than the server's message size limit.</summary>
    public const string BodyTooLarge = "body_too_large";

    /// <summary>The token does not allow this room.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>A signal to a room this connection has not joined.</summary>
    public const string NotJoined = "not_joined";

    /// <summary>Joining would exceed the rooms allowed per connection.</summary>
    public const string RoomLimit = "room_limit";

    /// <summary>The connection's or the tenant's publish rate, or the connection's join rate, is exhausted; retry later.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>The server's store did not commit; nothing was stored. Retry with the same message id.</summary>
    public const string StoreUnavailable = "store_unavailable";

    /// <summary>
    /// The server's store did not confirm the commit in time: the message may or may not have been
    /// stored. Send again with the same message id: it is never stored twice, and the reply then
    /// gives its sequence (with <c>duplicate</c> when the first attempt was stored).
    /// </summary>
    public const string OutcomeUnknown = "outcome_unknown";

    /// <summary>The message id was already used by this sender for a message with another target or body; nothing was stored. Send with a new id.</summary>
    public const string IdConflict = "id_conflict";

    /// <summary>A refreshed token did not verify.</summary>
    public const string InvalidToken = "invalid_token";

    /// <summary>A token (at connect or in a refresh) had already expired.</summary>
    public const string TokenExpired = "token_expired";

    /// <summary>A refreshed token names another tenant or user.</summary>
    public const string TokenMismatch = "token_mismatch";

    /// <summary>An unexpected server fault; the request may be retried.</summary>
    public const string Internal = "internal";

    /// <summary>The node is short of memory and refused an expensive request (a history page); retry later.</summary>
    public const string Overloaded = "overloaded";

    /// <summary>A send or signal into a room whose policy lets only the tenant's backends publish (over HTTP); clients may join and read it.</summary>
    public const string BackendOnly = "backend_only";

    /// <summary>Raised by the client: the request needs a connection and none is open or being reopened.</summary>
    public const string NotConnected = "not_connected";

    /// <summary>Raised by the client: the client is closed, by <see cref="ParleyClient.CloseAsync"/> or by a terminal close code.</summary>
    public const string Closed = "closed";

    /// <summary>Raised by the client: the upgrade was refused with HTTP 503; <see cref="ParleyException.RetryAfter"/> says for how long.</summary>
    public const string ServerBusy = "server_busy";

    /// <summary>Reported by the client through <see cref="ParleyClient.ErrorReceived"/>: the token provider failed during an in-band refresh.</summary>
    public const string TokenRefreshFailed = "token_refresh_failed";

    /// <summary>Raised by the client: the server answered a request with a frame of an unexpected kind.</summary>
    public const string UnexpectedReply = "unexpected_reply";

    /// <summary>The codes above that the client raises itself; every other one comes from the server.</summary>
    internal static readonly IReadOnlySet<string> RaisedByClient = new HashSet<string>(StringComparer.Ordinal)
    {
        NotConnected, Closed, ServerBusy, TokenRefreshFailed, UnexpectedReply,
    };

    /// <summary>
    /// Whether a request that failed with <paramref name="code"/> may succeed if sent again unchanged
    /// (later, and for a send with the same message id, so that it is never stored twice). False
    /// means the request, the token or the connection's state must change first. Agrees with
    /// <c>retry</c> in the protocol's AsyncAPI document for every server code.
    /// </summary>
    /// <param name="code">An error code.</param>
    /// <returns>True for a transient refusal; false for a refusal that repeats, and for unknown codes.</returns>
    public static bool IsRetryable(string code) => code is
        RateLimited or StoreUnavailable or OutcomeUnknown or Internal or Overloaded
        or NotConnected or ServerBusy;
}
