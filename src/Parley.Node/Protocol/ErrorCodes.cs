namespace Parley.Node.Protocol;

/// <summary>
/// The machine-readable codes of <c>error</c> frames and HTTP error bodies. Each has exactly one
/// meaning, listed in docs/protocol.md; an error never closes the connection.
/// </summary>
internal static class ErrorCodes
{
    public const string BadFrame = "bad_frame";
    public const string UnknownOp = "unknown_op";
    public const string FrameTooLarge = "frame_too_large";
    public const string AlreadyConnected = "already_connected";
    public const string InvalidRoom = "invalid_room";
    public const string InvalidUser = "invalid_user";
    public const string InvalidId = "invalid_id";
    public const string MissingBody = "missing_body";
    public const string BodyTooLarge = "body_too_large";
    public const string Forbidden = "forbidden";
    public const string NotJoined = "not_joined";
    public const string RoomLimit = "room_limit";
    public const string RateLimited = "rate_limited";
    public const string StoreUnavailable = "store_unavailable";
    public const string OutcomeUnknown = "outcome_unknown";
    public const string IdConflict = "id_conflict";
    public const string InvalidToken = "invalid_token";
    public const string TokenExpired = "token_expired";
    public const string TokenMismatch = "token_mismatch";
    public const string Internal = "internal";
    public const string Overloaded = "overloaded";
    public const string BackendOnly = "backend_only";

    // HTTP only.
    public const string BadRequest = "bad_request";
    public const string Unauthorized = "unauthorized";
    public const string TenantDisabled = "tenant_disabled";

    /// <summary>The codes only HTTP error bodies carry; every other code may arrive in an <c>error</c> frame.</summary>
    public static readonly IReadOnlySet<string> HttpOnly = new HashSet<string>(StringComparer.Ordinal) { BadRequest, Unauthorized, TenantDisabled };
}
