namespace Parley.Node.Auth;

/// <summary>
/// Who a verified credential speaks for. <see cref="Tenant"/> comes only from here: no client
/// input can name a tenant. <see cref="Expires"/> is the moment the credential stops being
/// accepted on this node: a token's <c>exp</c> plus <c>Auth:ClockSkew</c>, the same deadline
/// verification applies, so a connection is closed with 4003 exactly when its token would no
/// longer verify, and <c>connected</c> and <c>refreshed</c> report it.
/// </summary>
public sealed record Principal(string Tenant, string User, RoomPatterns Rooms, IReadOnlySet<string> Scopes, DateTimeOffset Expires)
{
    /// <summary>Scope that allows the HTTP publish API.</summary>
    public const string PublishScope = "publish";

    /// <summary>Scope that allows the HTTP history and presence API.</summary>
    public const string ReadScope = "read";

    /// <summary>
    /// Scope that allows the operator's view of the node (<c>/api/v1/cluster</c> in full). Honoured
    /// only on tokens verified by the node's own keys: a tenant's registered key cannot grant it,
    /// and API keys never carry it.
    /// </summary>
    public const string OperatorScope = "operator";

    public bool HasScope(string scope) => Scopes.Contains(scope);
}
