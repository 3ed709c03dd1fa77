using System.Text.Json;
using Microsoft.Extensions.Options;
using Parley.Node.Auth;
using Parley.Node.Options;
using Parley.Node.Protocol;
using Parley.Node.Tenancy;
using Parley.Node.Web;

namespace Parley.Node.Http;

/// <summary>
/// <c>POST /api/v1/dev/sign-in</c>: a token for any tenant and user, signed with the development
/// key, so the web app can be tried on a laptop without an auth service. It exists only where
/// <see cref="DevSignInPolicy"/> allows (embedded mode, development key, loopback only); everywhere
/// else it answers 404, exactly as an unmapped route. See docs/security.md.
/// </summary>
internal static class DevSignInEndpoints
{
    /// <summary>Lifetime of a development token: a working session; the app asks again when it expires.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    /// <summary>What a user token of a real deployment usually carries: the HTTP publish and read APIs.</summary>
    private static readonly string[] UserScopes = [Principal.PublishScope, Principal.ReadScope];

    public static void Map(IEndpointRouteBuilder app)
        => app.MapPost("/api/v1/dev/sign-in", SignInAsync).ExcludeFromDescription();

    private static async Task<IResult> SignInAsync(HttpContext context, DevSignInPolicy policy, IOptions<ParleyOptions> options, TimeProvider clock)
    {
        if (!policy.Allows(context) || policy.Secret is not { } secret)
        {
            return Results.NotFound();
        }

        SignInRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<SignInRequest>(context.Request.Body, SnakeCaseJson.Options, context.RequestAborted);
        }
        catch (JsonException)
        {
            return HttpErrors.Result(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "The request body must be a JSON object with 'tenant', 'user' and optional 'operator'.");
        }

        if (request?.Tenant is not { } tenant || !Identifiers.IsValidNewTenant(tenant))
        {
            return HttpErrors.Result(StatusCodes.Status400BadRequest, ErrorCodes.BadRequest, "A 'tenant' following the identifier rules (no ':') is required.");
        }

        if (request.User is not { } user || !Identifiers.IsValidUser(user))
        {
            return HttpErrors.Result(StatusCodes.Status400BadRequest, ErrorCodes.InvalidUser, $"A 'user' following the identifier rules (not beginning with '{Identifiers.ApiKeyPrefix}') is required.");
        }

        string[] scopes = request.Operator ? [.. UserScopes, Principal.OperatorScope] : UserScopes;
        var expires = clock.GetUtcNow() + TokenLifetime;
        var token = DevelopmentTokenMinter.Mint(secret, options.Value.Auth, tenant, user, ["*"], scopes, TokenLifetime, clock);
        return Results.Json(new SignInReply(token, expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), tenant, user), SnakeCaseJson.Options);
    }

    private sealed record SignInRequest(string? Tenant, string? User, bool Operator);

    public sealed record SignInReply(string Token, string ExpiresAt, string Tenant, string User);
}
