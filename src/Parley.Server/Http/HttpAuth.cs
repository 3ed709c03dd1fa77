using Parley.Server.Auth;
using Parley.Server.Protocol;

namespace Parley.Server.Http;

/// <summary>Bearer tokens on HTTP requests. The tenant of every API call comes from here only.</summary>
internal static class HttpAuth
{
    /// <summary>The token of an <c>Authorization: Bearer</c> header, or null.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        return header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && header.Length > Prefix.Length
            ? header[Prefix.Length..].Trim()
            : null;
    }

    /// <summary>
    /// The verified principal with <paramref name="scope"/>, or the error to return: 401 for a
    /// missing or invalid token or API key, 403 for a missing scope.
    /// </summary>
    public static async Task<(Principal? Principal, IResult? Error)> AuthenticateAsync(HttpContext context, ITokenVerifier verifier, string scope)
    {
        var token = BearerToken(context.Request);
        if (token is null)
        {
            return (null, HttpErrors.Result(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "An Authorization: Bearer token is required."));
        }

        Principal? principal;
        if (ApiKeys.LooksLikeApiKey(token))
        {
            var services = context.RequestServices;
            principal = ApiKeys.Authenticate(token, services.GetRequiredService<Tenancy.ITenantDirectory>(), services.GetRequiredService<Tenancy.ApiKeyUsage>());
            if (principal is null)
            {
                return (null, HttpErrors.Result(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "The API key is not valid."));
            }
        }
        else
        {
            var verification = await verifier.VerifyAsync(token, context.RequestAborted);
            principal = verification.Principal;
            if (principal is null)
            {
                var message = verification.Refusal == TokenRefusal.Expired ? "The token has expired." : "The token is not valid.";
                return (null, HttpErrors.Result(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, message));
            }
        }

        if (context.RequestServices.GetRequiredService<Limits.TenantLimits>().For(principal.Tenant).Disabled)
        {
            return (null, HttpErrors.Result(StatusCodes.Status403Forbidden, ErrorCodes.TenantDisabled, "The tenant is disabled."));
        }

        if (!principal.HasScope(scope))
        {
            return (null, HttpErrors.Result(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, $"The token lacks the '{scope}' scope."));
        }

        return (principal, null);
    }
}
