namespace Parley.Node.Auth;

/// <summary>
/// Verification keys that come from outside the node's configuration (a JWKS endpoint). A source
/// never throws because the issuer is unreachable: it answers with the keys it last knew.
/// </summary>
internal interface IVerificationKeySource
{
    /// <summary>
    /// The keys that may have signed a token carrying <paramref name="keyId"/> (every key when it is
    /// null), each pinned to its algorithm. An unknown id may trigger a bounded refetch.
    /// </summary>
    ValueTask<IReadOnlyList<VerificationKey>> GetKeysAsync(string? keyId, CancellationToken cancellationToken);
}
