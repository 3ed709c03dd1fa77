using Microsoft.AspNetCore.Http;

namespace Parley.Common;

/// <summary>
/// The token of an <c>Authorization: Bearer</c> header, read the same way by the auth service and
/// by every node (this is the only definition). The scheme is matched in any letter case (RFC 9110
/// makes auth schemes case-insensitive) and must be followed by a space; spaces around the token
/// are ignored. No header, another scheme (<c>Basic</c>, <c>Token</c>) or an empty token is no
/// token at all (<c>null</c>), so callers answer "credential required", never "credential invalid".
/// </summary>
public static class BearerToken
{
    private const string Prefix = "Bearer ";

    /// <summary>The bearer token of <paramref name="request"/>, or null.</summary>
    public static string? From(HttpRequest request) => Parse(request.Headers.Authorization.ToString());

    /// <summary>The bearer token of one <c>Authorization</c> header value, or null.</summary>
    public static string? Parse(string? header)
    {
        if (header is null || !header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header.AsSpan(Prefix.Length).Trim();
        return token.IsEmpty ? null : token.ToString();
    }
}
