using Parley.Auth.Keys;

namespace Parley.Auth.Http;

/// <summary>
/// The JWKS nodes fetch: the public half of every key whose tokens may still be valid, including a
/// new key not yet signing. Caches may keep it a minute, far less than a key's publication delay.
/// </summary>
internal static class KeyEndpoints
{
    public const string JwksPath = "/.well-known/jwks.json";

    public static void Map(IEndpointRouteBuilder app) => app.MapGet(JwksPath, (HttpContext context, SigningKeyRing ring) =>
    {
        context.Response.Headers.CacheControl = "public, max-age=60";
        return Results.Json(
            new JwksView([.. ring.Published.Select(k => new JwkView("EC", "P-256", k.X, k.Y, k.KeyId, "ES256", "sig"))]),
            AuthJson.Options);
    });
}
