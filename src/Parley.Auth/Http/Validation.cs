using Parley.Auth.Store;

namespace Parley.Auth.Http;

/// <summary>Checks of request fields; each returns the 400 to answer, or null when the field is acceptable.</summary>
internal static class Validation
{
    /// <summary>Longest tenant display name, in characters.</summary>
    public const int MaxNameLength = 200;

    /// <summary>Most signing keys one tenant may register: enough to rotate, few enough that a token's key lookup stays short.</summary>
    public const int MaxKeysPerTenant = 10;

    /// <summary>Most API keys of one tenant not revoked at once; bounds what every node holds per tenant.</summary>
    public const int MaxLiveApiKeysPerTenant = 100;

    /// <summary>A new tenant's id: the identifier rules without ':', so the nodes' configuration can name the tenant.</summary>
    public static IResult? TenantId(string? id) =>
        Identifiers.IsValidNewTenant(id) ? null : AuthErrors.BadRequestResult(AuthErrors.InvalidTenant, "The tenant id breaks the identifier rules (and may not contain ':').");

    /// <summary>A new user's id: the identifier rules, outside the API keys' namespace "ak-".</summary>
    public static IResult? UserId(string? id) =>
        Identifiers.IsValidUser(id) ? null : AuthErrors.BadRequestResult(AuthErrors.InvalidUser, "The user id breaks the identifier rules (and may not begin with 'ak-').");

    public static IResult? Name(string? name) =>
        name is null || (name.Length is > 0 and <= MaxNameLength && !name.Any(char.IsControl))
            ? null
            : AuthErrors.BadRequestResult(AuthErrors.BadRequest, $"A name has 1 to {MaxNameLength} characters and no control characters.");

    public static IResult? Password(ApiServices api, string? password) =>
        api.Passwords.Problem(password) is { } problem ? AuthErrors.BadRequestResult(AuthErrors.WeakPassword, problem) : null;

    public static IResult? Rooms(List<string?>? rooms) =>
        rooms is null || Identifiers.AreValidRoomPatterns(rooms)
            ? null
            : AuthErrors.BadRequestResult(AuthErrors.InvalidRoom,
                $"Rooms are at most {Identifiers.MaxRoomPatterns} patterns, each a room name, a prefix ending in '*', or '*'.");

    public static IResult? KeyId(string? kid) =>
        Identifiers.IsValid(kid) ? null : AuthErrors.BadRequestResult(AuthErrors.InvalidKey, "The kid breaks the identifier rules.");

    /// <summary>The distinct scopes named, or null when they are not a non-empty subset of publish and read.</summary>
    public static string[]? Scopes(List<string?>? scopes) =>
        scopes is { Count: > 0 } && scopes.All(s => s is not null && Credentials.ApiKeySecrets.Scopes.Contains(s))
            ? [.. Credentials.ApiKeySecrets.Scopes.Where(scopes.Contains)]
            : null;

    /// <summary>The role named, or null when it is neither "admin" nor "member".</summary>
    public static UserRole? Role(string? role) => role switch
    {
        "admin" => UserRole.Admin,
        "member" => UserRole.Member,
        _ => null,
    };

    public static IResult? Quotas(TenantQuotas? quotas)
    {
        if (quotas is null)
        {
            return null;
        }

        var ok = quotas.MaxUsers is null or >= 0
            && quotas.MaxConnections is null or >= 0
            && quotas.MaxOnlineUsers is null or >= 0
            && (quotas.PublishesPerSecond is null || (quotas.PublishesPerSecond > 0 && double.IsFinite(quotas.PublishesPerSecond.Value)))
            && quotas.MaxMessageBytes is null or > 0
            && quotas.RoomsPerConnection is null or >= 1
            && quotas.Retention?.MaxMessagesPerStream is null or >= 0
            && quotas.Retention?.MaxAgeSeconds is null or >= 0;
        return ok ? null : AuthErrors.BadRequestResult(AuthErrors.InvalidQuota,
            "Quotas are non-negative counts; publishesPerSecond and maxMessageBytes are positive; roomsPerConnection is at least 1.");
    }
}
