using System.Security.Cryptography;
using System.Text;
using Parley.Node.Auth;
using Parley.Node.Tenancy;

namespace Parley.Node.Http;

/// <summary>
/// Tenant API keys on the HTTP API: <c>Authorization: Bearer pk_…</c>. Keys are shown once by the
/// auth service and known to nodes only by their SHA-256, so a node's copy of the directory
/// cannot be turned back into keys. A key's principal is the key id, with the key's scopes and
/// every room of its tenant, and the tenant comes from the directory record, never the request.
/// </summary>
internal static class ApiKeys
{
    public const string Prefix = "pk_";

    public static bool LooksLikeApiKey(string credential) => credential.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The principal of a live key, or null for an unknown or revoked one.</summary>
    public static Principal? Authenticate(string key, ITenantDirectory directory, ApiKeyUsage usage)
    {
        if (key.Length > 256)
        {
            return null;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        // Only an id in the keys' own namespace: a listing cannot make a key speak as a user.
        if (directory.FindApiKey(hash) is not { } found || found.Key.Revoked || !Identifiers.IsApiKeyId(found.Key.Id))
        {
            return null;
        }

        usage.Used(found.Key.Id);
        // A key opens the publish and read API and nothing more, whatever the listing says.
        var scopes = found.Key.Scopes.Where(s => s is Principal.PublishScope or Principal.ReadScope).ToHashSet(StringComparer.Ordinal);
        return new Principal(found.Tenant, found.Key.Id, RoomPatterns.All, scopes, DateTimeOffset.MaxValue);
    }
}
