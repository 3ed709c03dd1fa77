namespace Parley.Client;

/// <summary>
/// The WebSocket close codes a Parley server uses. 4000–4499 mean "reconnect and resume" (the client
/// does so by itself); 4500–4999 mean "do not reconnect" (the client stops in <see cref="ConnectionState.Closed"/>).
/// </summary>
public static class ParleyCloseCodes
{
    /// <summary>The node is draining or shutting down.</summary>
    public const int GoingAway = 4000;

    /// <summary>The connection's outbound queue overflowed; nothing is lost, the client resumes.</summary>
    public const int SlowConsumer = 4001;

    /// <summary>No frame from the client within the server's idle timeout.</summary>
    public const int IdleTimeout = 4002;

    /// <summary>The token expired; the client asks its token provider for a new one before reconnecting.</summary>
    public const int TokenExpired = 4003;

    /// <summary>No <c>connect</c> frame within the server's connect timeout.</summary>
    public const int ConnectTimeout = 4004;

    /// <summary>An unexpected fault on the node.</summary>
    public const int ServerError = 4005;

    /// <summary>The token is malformed, forged or not for this service.</summary>
    public const int InvalidToken = 4500;

    /// <summary>The tenant is disabled.</summary>
    public const int TenantDisabled = 4502;

    /// <summary>The user already has the maximum number of connections.</summary>
    public const int UserConnectionLimit = 4503;

    /// <summary>The tenant already has the maximum number of connections.</summary>
    public const int TenantConnectionLimit = 4504;

    /// <summary>The client sent a binary frame or a first frame other than <c>connect</c>.</summary>
    public const int ProtocolViolation = 4505;

    /// <summary>The tenant already has the maximum number of distinct users online, and this user is not one of them.</summary>
    public const int TenantOnlineLimit = 4506;

    /// <summary>
    /// Whether a close code forbids reconnecting automatically; the client reconnects and resumes
    /// after every other code (after <see cref="TokenExpired"/>, with a new token). Agrees with
    /// <c>reconnect</c> in the protocol's AsyncAPI document for every code above.
    /// </summary>
    /// <param name="code">A WebSocket close code.</param>
    /// <returns>True for 4500–4999.</returns>
    public static bool IsTerminal(int code) => code is >= 4500 and <= 4999;

    /// <summary>The protocol name of a close code (<c>slow_consumer</c> for 4001), or <c>closed</c> for codes Parley does not define.</summary>
    internal static string NameOf(int? code) => code switch
    {
        GoingAway => "going_away",
        SlowConsumer => "slow_consumer",
        IdleTimeout => "idle_timeout",
        TokenExpired => "token_expired",
        ConnectTimeout => "connect_timeout",
        ServerError => "server_error",
        InvalidToken => "invalid_token",
        TenantDisabled => "tenant_disabled",
        UserConnectionLimit => "user_connection_limit",
        TenantConnectionLimit => "tenant_connection_limit",
        ProtocolViolation => "protocol_violation",
        TenantOnlineLimit => "tenant_online_limit",
        _ => ParleyErrorCodes.Closed,
    };
}
