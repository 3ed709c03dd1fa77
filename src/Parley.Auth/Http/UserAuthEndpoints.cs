using Parley.Auth.Credentials;
using Parley.Auth.Store;
using Parley.Auth.Tokens;

namespace Parley.Auth.Http;

/// <summary>
/// What users call: register (where the tenant allows it), log in, refresh with rotation, log out,
/// and read their own record. A login never tells a stranger whether the tenant or user exists:
/// an unknown tenant, an unknown user and a wrong password get the same answer after the same work.
/// </summary>
internal static class UserAuthEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/auth/register", RegisterAsync);
        app.MapPost("/api/v1/auth/login", LoginAsync);
        app.MapPost("/api/v1/auth/refresh", RefreshAsync);
        app.MapPost("/api/v1/auth/logout", LogoutAsync);
        app.MapGet("/api/v1/auth/me", MeAsync);
    }

    private static async Task<IResult> RegisterAsync(HttpContext context, ApiServices api)
    {
        if (!api.Limiter.TryAcquire(context.Connection.RemoteIpAddress, null, null, out var retryAfter))
        {
            return AuthErrors.RateLimitedResult(context, retryAfter);
        }

        var (request, invalid) = await AuthJson.ReadAsync<CredentialsRequest>(context.Request);
        if (request is null)
        {
            return invalid!;
        }

        if ((Validation.UserId(request.User) ?? Validation.Password(api, request.Password)) is { } problem)
        {
            return problem;
        }

        var closed = AuthErrors.Result(StatusCodes.Status403Forbidden, AuthErrors.RegistrationClosed, "Registration is not open for this tenant.");
        var tenant = Identifiers.IsValid(request.Tenant) ? await api.Store.GetTenantAsync(request.Tenant!, context.RequestAborted) : null;
        if (tenant is null || !tenant.SelfRegistration || tenant.Disabled)
        {
            return closed;
        }

        // Registered users start with no room: an administrator grants rooms.
        var user = new UserRecord(tenant.Id, request.User!, api.Passwords.Hash(request.Password!), UserRole.Member, [], api.Clock.GetUtcNow());
        return await api.Store.CreateUserAsync(user, context.RequestAborted) switch
        {
            UserCreation.Created => Results.Json(UserView.Of(user), AuthJson.Options, statusCode: StatusCodes.Status201Created),
            UserCreation.AlreadyExists => AuthErrors.Result(StatusCodes.Status409Conflict, AuthErrors.UserExists, "This user id is taken."),
            UserCreation.QuotaExceeded => AuthErrors.Result(StatusCodes.Status403Forbidden, AuthErrors.UserQuotaExceeded, "The tenant has reached its maximum number of users."),
            _ => closed,
        };
    }

    private static async Task<IResult> LoginAsync(HttpContext context, ApiServices api)
    {
        var (request, invalid) = await AuthJson.ReadAsync<CredentialsRequest>(context.Request);
        if (request is null)
        {
            return invalid!;
        }

        var wellFormed = Identifiers.IsValid(request.Tenant) && Identifiers.IsValid(request.User) && request.Password is not null;
        var tenantId = wellFormed ? request.Tenant : null;
        var userId = wellFormed ? request.User : null;
        if (!api.Limiter.TryAcquire(context.Connection.RemoteIpAddress, tenantId, userId, out var retryAfter))
        {
            api.Metrics.Login("rate_limited");
            return AuthErrors.RateLimitedResult(context, retryAfter);
        }

        var ct = context.RequestAborted;
        var tenant = wellFormed ? await api.Store.GetTenantAsync(tenantId!, ct) : null;
        var user = tenant is null ? null : await api.Store.GetUserAsync(tenantId!, userId!, ct);

        // Always one password check: against the user's hash, or a dummy when there is no user.
        var check = api.Passwords.Verify(user?.PasswordHash, request.Password ?? "");
        if (check == PasswordCheck.Wrong || tenant is null || user is null)
        {
            api.Metrics.Login("invalid_credentials");
            if (wellFormed)
            {
                AuthServiceLog.Login(api.Logger, tenantId!, userId!, "invalid_credentials");
            }

            return AuthErrors.WrongCredentials();
        }

        // Only someone who knows the password learns that the tenant is disabled.
        if (tenant.Disabled)
        {
            api.Metrics.Login("tenant_disabled");
            return AuthErrors.Result(StatusCodes.Status403Forbidden, AuthErrors.TenantDisabled, "The tenant is disabled.");
        }

        if (check == PasswordCheck.RightButOutdated)
        {
            await api.Store.UpdateUserAsync(user.Tenant, user.Id, new UserUpdate(PasswordHash: api.Passwords.Hash(request.Password!)), ct);
        }

        var now = api.Clock.GetUtcNow();
        var refresh = RefreshTokenCodec.NewToken();
        await api.Store.AddRefreshTokenAsync(
            new RefreshTokenRecord(RefreshTokenCodec.Hash(refresh), RefreshTokenCodec.NewFamily(), user.Tenant, user.Id, now, now + api.Options.RefreshTokenLifetime), ct);
        api.Metrics.Login("ok");
        AuthServiceLog.Login(api.Logger, user.Tenant, user.Id, "ok");
        return Tokens(api, user, refresh);
    }

    private static async Task<IResult> RefreshAsync(HttpContext context, ApiServices api)
    {
        var (request, invalid) = await AuthJson.ReadAsync<RefreshRequest>(context.Request);
        if (request is null)
        {
            return invalid!;
        }

        if (request.RefreshToken is not { Length: > 0 and <= RefreshTokenCodec.MaxLength } presented)
        {
            api.Metrics.Refresh("invalid");
            return AuthErrors.WrongRefreshToken();
        }

        var ct = context.RequestAborted;
        var now = api.Clock.GetUtcNow();
        var successor = RefreshTokenCodec.NewToken();
        var successorHash = RefreshTokenCodec.Hash(successor);
        var rotation = await api.Store.RotateRefreshTokenAsync(RefreshTokenCodec.Hash(presented), successorHash, now, now + api.Options.RefreshTokenLifetime, ct);
        if (rotation.Status == RefreshStatus.Reused)
        {
            // Either the client or a thief used it before; the family is revoked, so neither keeps a session.
            AuthServiceLog.RefreshReuse(api.Logger, rotation.Token!.Tenant, rotation.Token.User);
            api.Metrics.Refresh("reused");
            return AuthErrors.WrongRefreshToken();
        }

        if (rotation.Status != RefreshStatus.Rotated)
        {
            api.Metrics.Refresh("invalid");
            return AuthErrors.WrongRefreshToken();
        }

        var token = rotation.Token!;
        var tenant = await api.Store.GetTenantAsync(token.Tenant, ct);
        var user = tenant is null ? null : await api.Store.GetUserAsync(token.Tenant, token.User, ct);
        if (tenant is null || user is null || tenant.Disabled)
        {
            await api.Store.RevokeRefreshFamilyAsync(successorHash, now, ct);
            api.Metrics.Refresh(tenant?.Disabled == true ? "tenant_disabled" : "invalid");
            return tenant?.Disabled == true
                ? AuthErrors.Result(StatusCodes.Status403Forbidden, AuthErrors.TenantDisabled, "The tenant is disabled.")
                : AuthErrors.WrongRefreshToken();
        }

        api.Metrics.Refresh("ok");
        return Tokens(api, user, successor);
    }

    /// <summary>Revokes the family of the refresh token given; answers 204 whether or not it existed.</summary>
    private static async Task<IResult> LogoutAsync(HttpContext context, ApiServices api)
    {
        var (request, invalid) = await AuthJson.ReadAsync<RefreshRequest>(context.Request);
        if (request is null)
        {
            return invalid!;
        }

        if (request.RefreshToken is { Length: > 0 and <= RefreshTokenCodec.MaxLength } presented)
        {
            await api.Store.RevokeRefreshFamilyAsync(RefreshTokenCodec.Hash(presented), api.Clock.GetUtcNow(), context.RequestAborted);
        }

        return Results.NoContent();
    }

    private static async Task<IResult> MeAsync(HttpContext context, ApiServices api)
    {
        var (user, error) = await Callers.RequireUserAsync(context, api);
        return user is null ? error! : Results.Json(UserView.Of(user), AuthJson.Options);
    }

    private static IResult Tokens(ApiServices api, UserRecord user, string refreshToken)
    {
        // expires_in is the token's exp minus its iat: the lifetime, in whole seconds.
        var (access, _) = api.Tokens.Issue(user);
        return Results.Json(new TokenView(access, "Bearer", (long)api.Options.AccessTokenLifetime.TotalSeconds, refreshToken), AuthJson.Options);
    }
}
