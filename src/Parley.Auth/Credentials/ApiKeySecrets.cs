using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Parley.Auth.Credentials;

/// <summary>
/// Tenant API keys as nodes read them (<c>Parley.Node.Http.ApiKeys</c>): <c>pk_</c> followed by
/// 32 random bytes in base64url, known to the store and to nodes only by the lowercase hex SHA-256
/// of the whole string. A key has 256 bits of entropy, so one unsalted fast hash is enough: there
/// is nothing to guess.
/// </summary>
internal static class ApiKeySecrets
{
    public const string Prefix = "pk_";

    public const string Publish = "publish";
    public const string Read = "read";

    public static IReadOnlyList<string> Scopes { get; } = [Publish, Read];

    /// <summary>A new key and its id (<c>ak-</c> and 12 hex digits, which follows the identifier rules).</summary>
    public static (string Id, string Key) Create() =>
        ("ak-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));

    public static string Sha256(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
