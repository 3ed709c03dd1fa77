namespace Parley.Auth;

/// <summary>Log messages of the auth service, event ids 2300–2399.</summary>
internal static partial class AuthServiceLog
{
    [LoggerMessage(EventId = 2300, Level = LogLevel.Information, Message = "Auth service started: issuer {Issuer}, audience {Audience}, store {Store}.")]
    public static partial void Started(ILogger logger, string issuer, string audience, string store);

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "The setting {Key} is not one the auth service knows, and is ignored; did you mean {Nearest}?")]
    public static partial void UnknownSetting(ILogger logger, string key, string nearest);

    [LoggerMessage(EventId = 2310, Level = LogLevel.Information, Message = "Created signing key {KeyId}; it signs from {Handover:O}.")]
    public static partial void KeyCreated(ILogger logger, string keyId, DateTimeOffset handover);

    [LoggerMessage(EventId = 2311, Level = LogLevel.Information, Message = "Removed {Count} retired signing keys whose tokens have all expired.")]
    public static partial void KeysRemoved(ILogger logger, int count);

    [LoggerMessage(EventId = 2312, Level = LogLevel.Error, Message = "Key maintenance failed; the keys loaded before stay in use.")]
    public static partial void MaintenanceFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2313, Level = LogLevel.Debug, Message = "Deleted {Count} expired refresh tokens.")]
    public static partial void RefreshTokensDeleted(ILogger logger, int count);

    [LoggerMessage(EventId = 2320, Level = LogLevel.Information, Message = "Tenant {Tenant} created.")]
    public static partial void TenantCreated(ILogger logger, string tenant);

    [LoggerMessage(EventId = 2321, Level = LogLevel.Information, Message = "Tenant {Tenant} updated (disabled: {Disabled}).")]
    public static partial void TenantUpdated(ILogger logger, string tenant, bool disabled);

    [LoggerMessage(EventId = 2322, Level = LogLevel.Information, Message = "User {User} of tenant {Tenant} created by {Creator}.")]
    public static partial void UserCreated(ILogger logger, string tenant, string user, string creator);

    [LoggerMessage(EventId = 2323, Level = LogLevel.Information, Message = "Signing key {KeyId} ({Algorithm}) of tenant {Tenant} registered by {Caller}.")]
    public static partial void TenantKeyAdded(ILogger logger, string tenant, string keyId, string algorithm, string caller);

    [LoggerMessage(EventId = 2324, Level = LogLevel.Information, Message = "Signing key {KeyId} of tenant {Tenant} deleted by {Caller}.")]
    public static partial void TenantKeyDeleted(ILogger logger, string tenant, string keyId, string caller);

    [LoggerMessage(EventId = 2325, Level = LogLevel.Information, Message = "API key {KeyId} of tenant {Tenant} created by {Caller}.")]
    public static partial void ApiKeyCreated(ILogger logger, string tenant, string keyId, string caller);

    [LoggerMessage(EventId = 2326, Level = LogLevel.Information, Message = "API key {KeyId} of tenant {Tenant} revoked by {Caller}.")]
    public static partial void ApiKeyRevoked(ILogger logger, string tenant, string keyId, string caller);

    [LoggerMessage(EventId = 2327, Level = LogLevel.Debug, Message = "API key usage reported for {Reported} keys; {Changed} last-used times moved.")]
    public static partial void ApiKeyUsage(ILogger logger, int reported, int changed);

    [LoggerMessage(EventId = 2330, Level = LogLevel.Debug, Message = "Login of {User} in tenant {Tenant}: {Outcome}.")]
    public static partial void Login(ILogger logger, string tenant, string user, string outcome);

    [LoggerMessage(EventId = 2331, Level = LogLevel.Warning, Message = "A used refresh token of {User} in tenant {Tenant} was presented again; its family is revoked.")]
    public static partial void RefreshReuse(ILogger logger, string tenant, string user);

    [LoggerMessage(EventId = 2340, Level = LogLevel.Error, Message = "The auth store failed a request to {Path}.")]
    public static partial void StoreFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 2341, Level = LogLevel.Error, Message = "A request to {Path} failed unexpectedly.")]
    public static partial void RequestFailed(ILogger logger, string path, Exception exception);
}
