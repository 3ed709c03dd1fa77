using Parley.Node.Auth;
using Parley.Node.Protocol;

namespace Parley.Node.Http;

/// <summary>Bearer tokens on HTTP requests. The tenant of every API call comes from here only.</summary>
internal static class HttpAuth
{
    /// <summary>
    /// Whether the request carries the operator's credential: a token verified by the node's own
    /// keys with the <c>operator</c> scope, or the operator token the node holds for its tenant
    /// directory (<c>Directory:Token</c>, compared in constant time). No credential at all is an
    /// anonymous caller (false, no error); a credential that does not verify is 401, and a valid
    /// one without the scope 403, so a mistyped credential is never silently served less.
    /// </summary>
    public static async Task<(bool IsOperator, IResult? Error)> AuthenticateOperatorAsync(HttpContext context, ITokenVerifier verifier, string directoryToken)
    {
        var credential = BearerToken.From(context.Request);
        if (credential is null)
        {
            return (false, null);
        }

        if (directoryToken.Length > 0 && SameSecret(credential, directoryToken))
        {
            return (true, null);
        }

        if (ApiKeys.LooksLikeApiKey(credential))
        {
            var services = context.RequestServices;
            return ApiKeys.Authenticate(credential, services.GetRequiredService<Tenancy.ITenantDirectory>(), services.GetRequiredService<Tenancy.ApiKeyUsage>()) is null
                ? (false, HttpErrors.Result(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "The API key is not valid."))
                : (false, Forbidden());
        }

        var verification = await verifier.VerifyAsync(credential, context.RequestAborted);
        return verification.Principal switch
        {
            null => (false, HttpErrors.Result(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "The credential is not valid.")),
            { } principal when principal.HasScope(Principal.OperatorScope) => (true, null),
            _ => (false, Forbidden()),
        };

        static IResult Forbidden() => HttpErrors.Result(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, $"The credential lacks the '{Principal.OperatorScope}' scope.");
    }

    /// <summary>Compares digests, so the time taken says nothing about the secret, its length included.</summary>
    private static bool SameSecret(string presented, string secret) =>
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(presented)),
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));

    /// <summary>
    /// The verified principal with <paramref name="scope"/>, or the error to return: 401 for a
    /// missing or invalid token or API key, 403 for a missing scope.
    /// </summary>
    public static async Task<(Principal? Principal, IResult? Error)> AuthenticateAsync(HttpContext context, ITokenVerifier verifier, string scope)
    {
        var token = BearerToken.From(context.Request);
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
