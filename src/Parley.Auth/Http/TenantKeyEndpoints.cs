using Parley.Auth.Credentials;
using Parley.Auth.Store;

namespace Parley.Auth.Http;

/// <summary>
/// Keys a tenant's own backend signs its users' tokens with (<c>iss</c> = the tenant id), managed by
/// the operator or the tenant's administrators (<see cref="TenantAdministration"/>). Nodes learn
/// them from the internal listing and accept a token they verify for that tenant only. An HS256
/// secret goes in once and never comes back out through this API.
/// </summary>
internal static class TenantKeyEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/tenants/{tenant}/keys", (HttpContext context, ApiServices api, string tenant) =>
            TenantAdministration.RunAsync<CreateTenantKeyRequest>(context, api, tenant, (caller, request) => AddAsync(context, api, tenant, caller, request)));
        app.MapGet("/api/v1/tenants/{tenant}/keys", (HttpContext context, ApiServices api, string tenant) =>
            TenantAdministration.ListAsync(context, api, tenant, ct => ListAsync(api, tenant, ct)));
        app.MapDelete("/api/v1/tenants/{tenant}/keys/{kid}", (HttpContext context, ApiServices api, string tenant, string kid) =>
            TenantAdministration.RunAsync(context, api, tenant, caller => DeleteAsync(context, api, tenant, kid, caller)));
    }

    private static async Task<IResult> AddAsync(HttpContext context, ApiServices api, string tenant, Caller caller, CreateTenantKeyRequest request)
    {
        if (Validation.KeyId(request.Kid) is { } badKid)
        {
            return badKid;
        }

        var (material, problem) = TenantKeyMaterial.Check(request.Alg, request.Pem, request.Secret);
        if (material is null)
        {
            return AuthErrors.BadRequestResult(AuthErrors.InvalidKey, problem!);
        }

        var key = new TenantKeyRecord(tenant, request.Kid!, request.Alg!, material, api.Clock.GetUtcNow());
        switch (await api.Store.AddTenantKeyAsync(key, Validation.MaxKeysPerTenant, context.RequestAborted))
        {
            case CredentialCreation.Created:
                AuthServiceLog.TenantKeyAdded(api.Logger, tenant, key.KeyId, key.Algorithm, caller.Name);
                return Results.Json(TenantKeyView.Of(key), AuthJson.Options, statusCode: StatusCodes.Status201Created);
            case CredentialCreation.AlreadyExists:
                return AuthErrors.Result(StatusCodes.Status409Conflict, AuthErrors.KeyExists, "The tenant has a key with this kid.");
            case CredentialCreation.LimitReached:
                return AuthErrors.Result(StatusCodes.Status403Forbidden, AuthErrors.KeyLimitReached, $"A tenant may register at most {Validation.MaxKeysPerTenant} keys; delete one first.");
            default:
                return TenantAdministration.NoSuchTenant();
        }
    }

    private static async Task<IResult> ListAsync(ApiServices api, string tenant, CancellationToken cancellationToken)
    {
        var keys = await api.Store.ListTenantKeysAsync(tenant, cancellationToken);
        return Results.Json(new TenantKeysView([.. keys.Select(TenantKeyView.Of)]), AuthJson.Options);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, ApiServices api, string tenant, string kid, Caller caller)
    {
        if (!await api.Store.DeleteTenantKeyAsync(tenant, kid, context.RequestAborted))
        {
            return AuthErrors.Result(StatusCodes.Status404NotFound, AuthErrors.NotFound, "No such key in this tenant.");
        }

        AuthServiceLog.TenantKeyDeleted(api.Logger, tenant, kid, caller.Name);
        return Results.NoContent();
    }
}
