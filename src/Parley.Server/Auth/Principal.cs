namespace Parley.Server.Auth;

/// <summary>
/// Who a verified credential speaks for. <see cref="Tenant"/> comes only from here: no client
/// input can name a tenant.
/// </summary>
public sealed record Principal(string Tenant, string User, RoomPatterns Rooms, IReadOnlySet<string> Scopes, DateTimeOffset Expires)
{
    /// <summary>Scope that allows the HTTP publish API.</summary>
    public const string PublishScope = "publish";

    /// <summary>Scope that allows the HTTP history and presence API.</summary>
    public const string ReadScope = "read";

    public bool HasScope(string scope) => Scopes.Contains(scope);
}
