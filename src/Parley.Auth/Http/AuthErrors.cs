namespace Parley.Auth.Http;

/// <summary>
/// Error bodies of the auth service, <c>{"error":{"code":"…","message":"…"}}</c> as on the nodes.
/// Messages never say whether a tenant or user exists, except where the caller has proved it may know.
/// </summary>
internal static class AuthErrors
{
    public const string BadRequest = "bad_request";
    public const string InvalidTenant = "invalid_tenant";
    public const string InvalidUser = "invalid_user";
    public const string InvalidRoom = "invalid_room";
    public const string InvalidQuota = "invalid_quota";
    public const string WeakPassword = "weak_password";
    public const string InvalidKey = "invalid_key";
    public const string InvalidScope = "invalid_scope";
    public const string Unauthorized = "unauthorized";
    public const string InvalidCredentials = "invalid_credentials";
    public const string InvalidToken = "invalid_token";
    public const string Forbidden = "forbidden";
    public const string TenantDisabled = "tenant_disabled";
    public const string RegistrationClosed = "registration_closed";
    public const string UserQuotaExceeded = "user_quota_exceeded";
    public const string KeyLimitReached = "key_limit_reached";
    public const string NotFound = "not_found";
    public const string TenantExists = "tenant_exists";
    public const string UserExists = "user_exists";
    public const string KeyExists = "key_exists";
    public const string RateLimited = "rate_limited";
    public const string StoreUnavailable = "store_unavailable";
    public const string Internal = "internal";

    public static IResult Result(int status, string code, string message)
        => Results.Json(new ErrorBody(new ErrorDetail(code, message)), AuthJson.Options, statusCode: status);

    public static IResult BadRequestResult(string code, string message) => Result(StatusCodes.Status400BadRequest, code, message);

    /// <summary>The one answer to a login that failed for any reason a stranger must not learn.</summary>
    public static IResult WrongCredentials() =>
        Result(StatusCodes.Status401Unauthorized, InvalidCredentials, "The tenant, user or password is not right.");

    /// <summary>The one answer to a refresh token that is unknown, used, revoked or expired.</summary>
    public static IResult WrongRefreshToken() =>
        Result(StatusCodes.Status401Unauthorized, InvalidToken, "The refresh token is not valid; log in again.");

    public static IResult RateLimitedResult(HttpContext context, TimeSpan retryAfter)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Result(StatusCodes.Status429TooManyRequests, RateLimited, "Too many attempts; retry later.");
    }

    public sealed record ErrorBody(ErrorDetail Error);

    public sealed record ErrorDetail(string Code, string Message);
}
