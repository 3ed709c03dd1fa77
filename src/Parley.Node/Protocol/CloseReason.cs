namespace Parley.Node.Protocol;

/// <summary>
/// Why the server closed a WebSocket. Codes 4000–4499 tell the client to reconnect and resume;
/// 4500–4999 tell it not to reconnect automatically. Each code has one meaning (docs/protocol.md).
/// </summary>
internal sealed record CloseReason(int Code, string Name)
{
    /// <summary>The client closed first; the server answers with a normal closure.</summary>
    public static readonly CloseReason Normal = new(1000, "normal");
    public static readonly CloseReason GoingAway = new(4000, "going_away");
    public static readonly CloseReason SlowConsumer = new(4001, "slow_consumer");
    public static readonly CloseReason IdleTimeout = new(4002, "idle_timeout");
    public static readonly CloseReason TokenExpired = new(4003, "token_expired");
    public static readonly CloseReason ConnectTimeout = new(4004, "connect_timeout");
    public static readonly CloseReason ServerError = new(4005, "server_error");
    public static readonly CloseReason InvalidToken = new(4500, "invalid_token");
    public static readonly CloseReason TenantDisabled = new(4502, "tenant_disabled");
    public static readonly CloseReason UserConnectionLimit = new(4503, "user_connection_limit");
    public static readonly CloseReason TenantConnectionLimit = new(4504, "tenant_connection_limit");
    public static readonly CloseReason ProtocolViolation = new(4505, "protocol_violation");
    public static readonly CloseReason TenantOnlineLimit = new(4506, "tenant_online_limit");

    public bool ShouldReconnect => Code is >= 4000 and < 4500;
}
