namespace Parley.Node.Auth;

/// <summary>
/// Verifies a credential. The node only verifies: it never mints a token for a client (the
/// development token command runs offline with the embedded development key).
/// </summary>
public interface ITokenVerifier
{
    /// <summary>
    /// Returns the principal of a valid token or the reason it was refused. Never throws for a
    /// bad token; the reason carries no detail that tells an attacker what nearly worked.
    /// </summary>
    Task<TokenVerification> VerifyAsync(string token, CancellationToken cancellationToken);
}

/// <summary>Either a principal or a refusal reason.</summary>
public sealed record TokenVerification(Principal? Principal, TokenRefusal Refusal)
{
    public static TokenVerification Success(Principal principal) => new(principal, TokenRefusal.None);

    public static TokenVerification Refused(TokenRefusal refusal) => new(null, refusal);
}

public enum TokenRefusal
{
    None,

    /// <summary>Malformed, unsigned, badly signed, wrong algorithm, issuer, audience or claims.</summary>
    Invalid,

    /// <summary>Past its expiry (or not yet valid): the client should fetch a new token.</summary>
    Expired,
}
