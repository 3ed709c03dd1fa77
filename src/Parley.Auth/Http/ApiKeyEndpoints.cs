using Parley.Auth.Credentials;
using Parley.Auth.Store;

namespace Parley.Auth.Http;

/// <summary>
/// Tenant API keys for the nodes' HTTP publish, history and presence API, managed by the operator
/// or the tenant's administrators (<see cref="TenantAdministration"/>). The key is returned once,
/// by its creation; the service keeps its SHA-256 only. Revoking keeps the key, flagged, so the
/// revocation reaches every node.
/// </summary>
internal static class ApiKeyEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/tenants/{tenant}/api-keys", (HttpContext context, ApiServices api, string tenant) =>
            TenantAdministration.RunAsync<CreateApiKeyRequest>(context, api, tenant, (caller, request) => CreateAsync(context, api, tenant, caller, request)));
        app.MapGet("/api/v1/tenants/{tenant}/api-keys", (HttpContext context, ApiServices api, string tenant) =>
            TenantAdministration.ListAsync(context, api, tenant, ct => ListAsync(api, tenant, ct)));
        app.MapDelete("/api/v1/tenants/{tenant}/api-keys/{id}", (HttpContext context, ApiServices api, string tenant, string id) =>
            TenantAdministration.RunAsync(context, api, tenant, caller => RevokeAsync(context, api, tenant, id, caller)));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ApiServices api, string tenant, Caller caller, CreateApiKeyRequest request)
    {
        if (request.Name is null)
        {
            return AuthErrors.BadRequestResult(AuthErrors.BadRequest, "An API key needs a name saying what uses it.");
        }

        if (Validation.Name(request.Name) is { } badName)
        {
            return badName;
        }

        if (Validation.Scopes(request.Scopes) is not { } scopes)
        {
            return AuthErrors.BadRequestResult(AuthErrors.InvalidScope, "scopes is a non-empty list of \"publish\" and \"read\".");
        }

        // Ids and keys are random; a clash with an existing one is retried with fresh values.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var (id, secret) = ApiKeySecrets.Create();
            var key = new ApiKeyRecord(tenant, id, request.Name, ApiKeySecrets.Sha256(secret), scopes, api.Clock.GetUtcNow());
            switch (await api.Store.AddApiKeyAsync(key, Validation.MaxLiveApiKeysPerTenant, context.RequestAborted))
            {
                case CredentialCreation.Created:
                    AuthServiceLog.ApiKeyCreated(api.Logger, tenant, id, caller.Name);
                    context.Response.Headers.CacheControl = "no-store";
                    return Results.Json(new NewApiKeyView(id, key.Name, key.Scopes, key.Created, secret), AuthJson.Options, statusCode: StatusCodes.Status201Created);
                case CredentialCreation.LimitReached:
                    return AuthErrors.Result(StatusCodes.Status403Forbidden, AuthErrors.KeyLimitReached,
                        $"A tenant may hold at most {Validation.MaxLiveApiKeysPerTenant} API keys that are not revoked; revoke one first.");
                case CredentialCreation.NoSuchTenant:
                    return TenantAdministration.NoSuchTenant();
            }
        }

        throw new InvalidOperationException("Three fresh random API keys clashed with stored ones.");
    }

    private static async Task<IResult> ListAsync(ApiServices api, string tenant, CancellationToken cancellationToken)
    {
        var keys = await api.Store.ListApiKeysAsync(tenant, cancellationToken);
        return Results.Json(new ApiKeysView([.. keys.Select(ApiKeyView.Of)]), AuthJson.Options);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, ApiServices api, string tenant, string id, Caller caller)
    {
        var revoked = await api.Store.RevokeApiKeyAsync(tenant, id, api.Clock.GetUtcNow(), context.RequestAborted);
        if (revoked is null)
        {
            return AuthErrors.Result(StatusCodes.Status404NotFound, AuthErrors.NotFound, "No such API key in this tenant.");
        }

        AuthServiceLog.ApiKeyRevoked(api.Logger, tenant, id, caller.Name);
        return Results.Json(ApiKeyView.Of(revoked), AuthJson.Options);
    }
}
