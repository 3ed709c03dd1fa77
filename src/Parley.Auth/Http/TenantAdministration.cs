namespace Parley.Auth.Http;

/// <summary>
/// What every endpoint under <c>/api/v1/tenants/{tenant}/…</c> that manages a tenant's credentials
/// shares: only the operator or an administrator of that tenant gets past the door (anyone else
/// is answered by <see cref="Callers.RequireOperatorOrTenantAdminAsync"/>, before the body is read),
/// a body that is not the expected JSON is one 400, and a tenant that does not exist is one 404.
/// </summary>
internal static class TenantAdministration
{
    /// <summary>Runs <paramref name="action"/> for an allowed caller; anyone else gets the caller check's error.</summary>
    public static async Task<IResult> RunAsync(HttpContext context, ApiServices api, string tenant, Func<Caller, Task<IResult>> action)
    {
        var (caller, error) = await Callers.RequireOperatorOrTenantAdminAsync(context, api, tenant);
        return caller is null ? error! : await action(caller);
    }

    /// <summary>As <see cref="RunAsync(HttpContext, ApiServices, string, Func{Caller, Task{IResult}})"/>, with the JSON body read for an allowed caller.</summary>
    public static Task<IResult> RunAsync<TRequest>(HttpContext context, ApiServices api, string tenant, Func<Caller, TRequest, Task<IResult>> action)
        where TRequest : class =>
        RunAsync(context, api, tenant, async caller =>
        {
            var (request, invalid) = await AuthJson.ReadAsync<TRequest>(context.Request);
            return request is null ? invalid! : await action(caller, request);
        });

    /// <summary>
    /// A listing for an allowed caller. The operator is told when the tenant does not exist, rather
    /// than shown an empty list; an administrator's own tenant exists by definition.
    /// </summary>
    public static Task<IResult> ListAsync(HttpContext context, ApiServices api, string tenant, Func<CancellationToken, Task<IResult>> list) =>
        RunAsync(context, api, tenant, async caller =>
            caller.Admin is null && await api.Store.GetTenantAsync(tenant, context.RequestAborted) is null
                ? NoSuchTenant()
                : await list(context.RequestAborted));

    /// <summary>The 404 for a tenant that does not exist, shown to the operator only.</summary>
    public static IResult NoSuchTenant() => AuthErrors.Result(StatusCodes.Status404NotFound, AuthErrors.NotFound, "No such tenant.");
}
