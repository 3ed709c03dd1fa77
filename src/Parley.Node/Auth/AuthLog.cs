namespace Parley.Node.Auth;

/// <summary>Log messages of token verification and key fetching (event ids 1500–1599).</summary>
internal static partial class AuthLog
{
    /// <summary>Rate-limited per cause (<see cref="RefusalLog"/>); never carries the token itself.</summary>
    [LoggerMessage(EventId = 1500, Level = LogLevel.Warning, Message = "Token refused ({Cause}): {Detail}; alg {Algorithm}, kid {KeyId}, iss {Issuer}. {Suppressed} more refusals for this cause in the {IntervalSeconds} s before were not logged.")]
    public static partial void TokenRefused(ILogger logger, RefusalCause cause, string detail, string algorithm, string keyId, string issuer, long suppressed, double intervalSeconds);

    [LoggerMessage(EventId = 1510, Level = LogLevel.Information, Message = "Fetched {Count} verification keys from {Url}.")]
    public static partial void JwksFetched(ILogger logger, int count, string url);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Warning, Message = "Fetching verification keys from {Url} failed; keeping the {Count} keys fetched before.")]
    public static partial void JwksFetchFailed(ILogger logger, string url, int count, Exception exception);

    [LoggerMessage(EventId = 1512, Level = LogLevel.Warning, Message = "Skipped a key in {Url} (kid {KeyId}): not an ES256 or RS256 signing key Parley accepts.")]
    public static partial void JwksKeySkipped(ILogger logger, string url, string? keyId);

    [LoggerMessage(EventId = 1513, Level = LogLevel.Debug, Message = "Refetching verification keys from {Url} for unknown kid {KeyId}.")]
    public static partial void JwksUnknownKeyId(ILogger logger, string url, string keyId);
}
