using Parley.Auth.Store;

namespace Parley.Auth.Http;

/// <summary>
/// Tenant administration: the operator creates, lists, reads and changes tenants; the operator and
/// a tenant's administrators read the tenant and manage its users.
/// </summary>
internal static class TenantEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/tenants", CreateTenantAsync);
        app.MapGet("/api/v1/tenants", ListTenantsAsync);
        app.MapGet("/api/v1/tenants/{tenant}", GetTenantAsync);
        app.MapPatch("/api/v1/tenants/{tenant}", UpdateTenantAsync);
        app.MapPost("/api/v1/tenants/{tenant}/users", CreateUserAsync);
        app.MapGet("/api/v1/tenants/{tenant}/users", ListUsersAsync);
        app.MapPatch("/api/v1/tenants/{tenant}/users/{user}", UpdateUserAsync);
    }

    private static async Task<IResult> CreateTenantAsync(HttpContext context, ApiServices api)
    {
        if (Callers.RequireOperator(context, api) is { } denied)
        {
            return denied;
        }

        var (request, invalid) = await AuthJson.ReadAsync<CreateTenantRequest>(context.Request);
        if (request is null)
        {
            return invalid!;
        }

        if ((Validation.TenantId(request.Id) ?? Validation.Name(request.Name) ?? Validation.Quotas(request.Quotas)) is { } problem)
        {
            return problem;
        }

        if (request.Admin is null)
        {
            return AuthErrors.BadRequestResult(AuthErrors.BadRequest, "A tenant is created with its administrator: admin {user, password}.");
        }

        if ((Validation.UserId(request.Admin.User) ?? Validation.Password(api, request.Admin.Password)) is { } adminProblem)
        {
            return adminProblem;
        }

        var now = api.Clock.GetUtcNow();
        var tenant = new TenantRecord(request.Id!, request.Name ?? request.Id!, false, request.SelfRegistration ?? false, request.Quotas ?? TenantQuotas.None, now);
        var admin = new UserRecord(tenant.Id, request.Admin.User!, api.Passwords.Hash(request.Admin.Password!), UserRole.Admin, [], now);
        if (!await api.Store.CreateTenantAsync(tenant, admin, context.RequestAborted))
        {
            return AuthErrors.Result(StatusCodes.Status409Conflict, AuthErrors.TenantExists, "A tenant with this id exists.");
        }

        AuthServiceLog.TenantCreated(api.Logger, tenant.Id);
        var created = await api.Store.GetTenantAsync(tenant.Id, context.RequestAborted);
        return Results.Json(TenantView.Of(created ?? tenant), AuthJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListTenantsAsync(HttpContext context, ApiServices api)
    {
        if (Callers.RequireOperator(context, api) is { } denied)
        {
            return denied;
        }

        var listing = await api.Store.ListTenantsAsync(context.RequestAborted);
        return Results.Json(new TenantsView(listing.Revision, [.. listing.Tenants.Select(TenantView.Of)]), AuthJson.Options);
    }

    /// <summary>For the operator, or an administrator of the tenant.</summary>
    private static async Task<IResult> GetTenantAsync(HttpContext context, ApiServices api, string tenant)
    {
        var (caller, error) = await Callers.RequireOperatorOrTenantAdminAsync(context, api, tenant);
        if (caller is null)
        {
            return error!;
        }

        var found = await api.Store.GetTenantAsync(tenant, context.RequestAborted);
        return found is null
            ? AuthErrors.Result(StatusCodes.Status404NotFound, AuthErrors.NotFound, "No such tenant.")
            : Results.Json(TenantView.Of(found), AuthJson.Options);
    }

    private static async Task<IResult> UpdateTenantAsync(HttpContext context, ApiServices api, string tenant)
    {
        if (Callers.RequireOperator(context, api) is { } denied)
        {
            return denied;
        }

        var (request, invalid) = await AuthJson.ReadAsync<UpdateTenantRequest>(context.Request);
        if (request is null)
        {
            return invalid!;
        }

        if ((Validation.Name(request.Name) ?? Validation.Quotas(request.Quotas)) is { } problem)
        {
            return problem;
        }

        var updated = await api.Store.UpdateTenantAsync(tenant, new TenantUpdate(request.Name, request.Disabled, request.SelfRegistration, request.Quotas), context.RequestAborted);
        if (updated is null)
        {
            return AuthErrors.Result(StatusCodes.Status404NotFound, AuthErrors.NotFound, "No such tenant.");
        }

        AuthServiceLog.TenantUpdated(api.Logger, tenant, updated.Disabled);
        return Results.Json(TenantView.Of(updated), AuthJson.Options);
    }

    private static async Task<IResult> CreateUserAsync(HttpContext context, ApiServices api, string tenant)
    {
        var (caller, error) = await Callers.RequireOperatorOrTenantAdminAsync(context, api, tenant);
        if (caller is null)
        {
            return error!;
        }

        var (request, invalid) = await AuthJson.ReadAsync<CreateUserRequest>(context.Request);
        if (request is null)
        {
            return invalid!;
        }

        if ((Validation.UserId(request.User) ?? Validation.Password(api, request.Password) ?? Validation.Rooms(request.Rooms)) is { } problem)
        {
            return problem;
        }

        if ((request.Role is null ? UserRole.Member : Validation.Role(request.Role)) is not { } role)
        {
            return AuthErrors.BadRequestResult(AuthErrors.BadRequest, "A role is \"admin\" or \"member\".");
        }

        var user = new UserRecord(tenant, request.User!, api.Passwords.Hash(request.Password!), role, Patterns(request.Rooms) ?? [], api.Clock.GetUtcNow());
        return await api.Store.CreateUserAsync(user, context.RequestAborted) switch
        {
            UserCreation.Created => Created(api, user, caller.Name),
            UserCreation.AlreadyExists => AuthErrors.Result(StatusCodes.Status409Conflict, AuthErrors.UserExists, "A user with this id exists in the tenant."),
            UserCreation.QuotaExceeded => AuthErrors.Result(StatusCodes.Status403Forbidden, AuthErrors.UserQuotaExceeded, "The tenant has reached its maximum number of users."),
            _ => AuthErrors.Result(StatusCodes.Status404NotFound, AuthErrors.NotFound, "No such tenant."),
        };
    }

    private static async Task<IResult> ListUsersAsync(HttpContext context, ApiServices api, string tenant)
    {
        var (caller, error) = await Callers.RequireOperatorOrTenantAdminAsync(context, api, tenant);
        if (caller is null)
        {
            return error!;
        }

        if (caller.Admin is null && await api.Store.GetTenantAsync(tenant, context.RequestAborted) is null)
        {
            return AuthErrors.Result(StatusCodes.Status404NotFound, AuthErrors.NotFound, "No such tenant.");
        }

        var users = await api.Store.ListUsersAsync(tenant, context.RequestAborted);
        return Results.Json(new UsersView([.. users.Select(UserView.Of)]), AuthJson.Options);
    }

    private static async Task<IResult> UpdateUserAsync(HttpContext context, ApiServices api, string tenant, string user)
    {
        var (caller, error) = await Callers.RequireOperatorOrTenantAdminAsync(context, api, tenant);
        if (caller is null)
        {
            return error!;
        }

        var (request, invalid) = await AuthJson.ReadAsync<UpdateUserRequest>(context.Request);
        if (request is null)
        {
            return invalid!;
        }

        if ((Validation.Rooms(request.Rooms) ?? (request.Password is null ? null : Validation.Password(api, request.Password))) is { } problem)
        {
            return problem;
        }

        var role = request.Role is null ? null : Validation.Role(request.Role);
        if (request.Role is not null && role is null)
        {
            return AuthErrors.BadRequestResult(AuthErrors.BadRequest, "A role is \"admin\" or \"member\".");
        }

        // An administrator cannot demote themselves, so a tenant always keeps the one who could fix it.
        if (role is not null && caller.Admin is { } admin && string.Equals(user, admin.Id, StringComparison.Ordinal) && role != admin.Role)
        {
            return AuthErrors.Result(StatusCodes.Status403Forbidden, AuthErrors.Forbidden, "An administrator cannot change their own role.");
        }

        var update = new UserUpdate(role, Patterns(request.Rooms), request.Password is null ? null : api.Passwords.Hash(request.Password));
        var updated = await api.Store.UpdateUserAsync(tenant, user, update, context.RequestAborted);
        return updated is null
            ? AuthErrors.Result(StatusCodes.Status404NotFound, AuthErrors.NotFound, "No such user in this tenant.")
            : Results.Json(UserView.Of(updated), AuthJson.Options);
    }

    /// <summary>Validated room patterns (no nulls left) as stored, or null when none were given.</summary>
    private static string[]? Patterns(List<string?>? rooms) => rooms?.Select(r => r!).Distinct(StringComparer.Ordinal).ToArray();

    private static IResult Created(ApiServices api, UserRecord user, string creator)
    {
        AuthServiceLog.UserCreated(api.Logger, user.Tenant, user.Id, creator);
        return Results.Json(UserView.Of(user), AuthJson.Options, statusCode: StatusCodes.Status201Created);
    }
}
