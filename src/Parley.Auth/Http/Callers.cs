using Parley.Auth.Store;

namespace Parley.Auth.Http;

/// <summary>
/// Who is calling: the operator (the configured operator token), or a user (an access token this
/// service issued). A user's tenant, existence and role are read from the store on every call, so a
/// disabled tenant or a demoted administrator loses access at once, not when the token expires.
/// </summary>
internal static class Callers
{
    /// <summary>Null when the caller is the operator; otherwise the 401 to return.</summary>
    public static IResult? RequireOperator(HttpContext context, ApiServices api) =>
        api.IsOperatorToken(BearerToken.From(context.Request))
            ? null
            : AuthErrors.Result(StatusCodes.Status401Unauthorized, AuthErrors.Unauthorized, "The operator token is required.");

    /// <summary>The user of a valid access token whose tenant is enabled, or the error to return.</summary>
    public static async Task<(UserRecord? User, IResult? Error)> RequireUserAsync(HttpContext context, ApiServices api)
    {
        var token = BearerToken.From(context.Request);
        var claims = token is null ? null : await api.Tokens.ValidateAsync(token);
        if (claims is null)
        {
            return (null, AuthErrors.Result(StatusCodes.Status401Unauthorized, AuthErrors.Unauthorized, "A valid access token is required."));
        }

        var ct = context.RequestAborted;
        var tenant = await api.Store.GetTenantAsync(claims.Tenant, ct);
        var user = tenant is null ? null : await api.Store.GetUserAsync(claims.Tenant, claims.User, ct);
        if (tenant is null || user is null)
        {
            return (null, AuthErrors.Result(StatusCodes.Status401Unauthorized, AuthErrors.Unauthorized, "A valid access token is required."));
        }

        if (tenant.Disabled)
        {
            return (null, AuthErrors.Result(StatusCodes.Status403Forbidden, AuthErrors.TenantDisabled, "The tenant is disabled."));
        }

        return (user, null);
    }

    /// <summary>
    /// An administrator of <paramref name="tenant"/>, or the error to return. A user of another
    /// tenant is refused before anything about <paramref name="tenant"/> is read, with the same
    /// answer whether it exists or not.
    /// </summary>
    public static async Task<(UserRecord? Admin, IResult? Error)> RequireTenantAdminAsync(HttpContext context, ApiServices api, string tenant)
    {
        var (user, error) = await RequireUserAsync(context, api);
        if (user is null)
        {
            return (null, error);
        }

        if (!string.Equals(user.Tenant, tenant, StringComparison.Ordinal) || user.Role != UserRole.Admin)
        {
            return (null, AuthErrors.Result(StatusCodes.Status403Forbidden, AuthErrors.Forbidden, "Only an administrator of this tenant may do this."));
        }

        return (user, null);
    }

    /// <summary>
    /// The operator (Admin null) or an administrator of <paramref name="tenant"/>, or the error to
    /// return. As in <see cref="RequireTenantAdminAsync"/>, a user of another tenant learns nothing
    /// about <paramref name="tenant"/>; the operator may be told it does not exist.
    /// </summary>
    public static async Task<(Caller? Caller, IResult? Error)> RequireOperatorOrTenantAdminAsync(HttpContext context, ApiServices api, string tenant)
    {
        if (RequireOperator(context, api) is null)
        {
            return (Caller.Operator, null);
        }

        var (admin, error) = await RequireTenantAdminAsync(context, api, tenant);
        return admin is null ? (null, error) : (new Caller(admin), null);
    }
}

/// <summary>Who made an administrative call: the operator, or a tenant administrator.</summary>
internal sealed record Caller(UserRecord? Admin)
{
    public static Caller Operator { get; } = new((UserRecord?)null);

    /// <summary>For logs: the administrator's user id, or "operator".</summary>
    public string Name => Admin?.Id ?? "operator";
}
