using Parley.Node.Options;

namespace Parley.Node.Auth;

/// <summary>
/// Verifies JWTs (JWS compact form) against the configured keys: the HMAC secret or development
/// key (HS256), pinned public keys (ES256, RS256) and a JWKS source. The signature is proven with
/// only the keys pinned to the header's algorithm, on the decoded bytes and without a general JWT
/// library in the way (a connect's verification is most of its garbage); Parley then reads its own
/// claims (<see cref="TokenClaims"/>) and checks issuer, audience and lifetime against the clock.
/// Refusals carry no detail for the client; the node logs why for its operator (a warning per
/// cause at most every <see cref="RefusalLog.Interval"/>, with a count of those not logged).
/// </summary>
internal sealed class JwtTokenVerifier : ITokenVerifier
{
    /// <summary>Longest token read, in characters; longer ones are refused before any parsing.</summary>
    public const int MaxTokenLength = 8 * 1024;

    private readonly AuthOptions _options;
    private readonly VerificationKey[] _keys;
    private readonly IVerificationKeySource? _jwks;
    private readonly TenantKeys? _tenantKeys;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly RefusalLog _refusalLog;

    /// <param name="developmentSecret">The embedded development key, or null; ignored when <see cref="AuthOptions.DisableDevelopmentKey"/> is set.</param>
    /// <param name="jwks">The JWKS source when <see cref="AuthOptions.JwksUrl"/> is configured.</param>
    /// <param name="directory">The tenant directory whose tenant-registered keys also verify, each for its own tenant only.</param>
    public JwtTokenVerifier(AuthOptions options, string? developmentSecret, IVerificationKeySource? jwks, TimeProvider clock, ILogger<JwtTokenVerifier> logger, Tenancy.ITenantDirectory? directory = null)
    {
        var keys = new List<VerificationKey>();
        if (options.HmacSecret.Length > 0)
        {
            keys.Add(VerificationKey.Hmac(options.HmacSecret));
        }

        if (developmentSecret is not null && !options.DisableDevelopmentKey)
        {
            keys.Add(VerificationKey.Hmac(developmentSecret));
        }

        keys.AddRange(options.PublicKeys.Select(VerificationKey.FromPem));
        if (keys.Count == 0 && jwks is null && directory is null)
        {
            throw new InvalidOperationException("No token verification key is configured: set Auth:HmacSecret, Auth:PublicKeys or Auth:JwksUrl.");
        }

        _options = options;
        _keys = [.. keys];
        _jwks = jwks;
        _tenantKeys = directory is null ? null : new TenantKeys(directory);
        _clock = clock;
        _logger = logger;
        _refusalLog = new RefusalLog(clock);
    }

    public async Task<TokenVerification> VerifyAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            return await VerifyCoreAsync(token, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever a crafted token makes a parser throw is a refusal, never a fault.
            return Refuse(RefusalCause.Malformed, "unreadable", exception: e);
        }
    }

    private async Task<TokenVerification> VerifyCoreAsync(string token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return Refuse(RefusalCause.Malformed, "empty or too long");
        }

        // Exactly three segments: a JWS. Encrypted (five-segment) tokens are not accepted.
        if (token.AsSpan().Count('.') != 2)
        {
            return Refuse(RefusalCause.Malformed, "not a JWS");
        }

        // One spelling per token, one value per header member, before anything else reads it.
        if (!JwsForm.TryRead(token, out var header))
        {
            return Refuse(RefusalCause.Malformed, "not canonical base64url, or a header member named twice");
        }

        // What the checks below read is decoded once into one rented buffer, returned at the end.
        var parts = SignedParts.Decode(token);
        try
        {
            return await VerifyPartsAsync(header, parts, cancellationToken);
        }
        finally
        {
            parts.Return();
        }
    }

    private async Task<TokenVerification> VerifyPartsAsync(JwsHeader header, SignedParts parts, CancellationToken cancellationToken)
    {
        // Parley understands no critical header extension, so RFC 7515 requires a refusal.
        if (header.Critical)
        {
            return Refuse(RefusalCause.Malformed, "critical header", header, parts.Payload);
        }

        // The node's own keys may sign for any tenant; a tenant's registered keys only for itself.
        var signature = await CheckNodeKeysAsync(header, parts, cancellationToken);
        string? signedForTenant = null;
        if (signature != SignatureCheck.Verified && _tenantKeys is not null
            && ClaimPeek.TryGetString(parts.Payload.Span, "tenant"u8, out var claimedTenant) && Identifiers.IsValid(claimedTenant))
        {
            var tenantSignature = Check(_tenantKeys.For(claimedTenant), header, parts);
            if (tenantSignature != SignatureCheck.NoKey)
            {
                signature = tenantSignature;
                signedForTenant = claimedTenant;
            }
        }

        if (signature == SignatureCheck.NoKey)
        {
            return Refuse(RefusalCause.UnknownKey, "no key for its algorithm and key id", header, parts.Payload);
        }

        if (signature == SignatureCheck.Failed)
        {
            return Refuse(RefusalCause.BadSignature, "its signature does not verify with any key for its algorithm and key id (a development token minted with another data directory's key looks like this)", header, parts.Payload);
        }

        if (!TokenClaims.TryRead(parts.Payload, out var claims))
        {
            return Refuse(RefusalCause.Malformed, "missing or malformed claims", header, parts.Payload);
        }

        // A tenant's own backend issues as the tenant itself: iss is the tenant id.
        var issuer = signedForTenant ?? _options.Issuer;
        if (!string.Equals(claims.Issuer, issuer, StringComparison.Ordinal)
            || !claims.Audiences.Contains(_options.Audience, StringComparer.Ordinal))
        {
            return Refuse(RefusalCause.WrongIssuerOrAudience, $"issuer or audience is not {issuer} / {_options.Audience}", header, parts.Payload);
        }

        if (signedForTenant is not null && !string.Equals(claims.Tenant, signedForTenant, StringComparison.Ordinal))
        {
            return Refuse(RefusalCause.WrongIssuerOrAudience, "its tenant claim is not the tenant whose key signed it", header, parts.Payload);
        }

        // One deadline for the whole life of a credential: what is accepted here at connect or at
        // refresh stays accepted until exp + skew, and the connection is closed then, not before.
        var now = _clock.GetUtcNow();
        var deadline = claims.Expires + _options.ClockSkew;
        if (now > deadline || (claims.NotBefore is { } notBefore && now + _options.ClockSkew < notBefore))
        {
            return Refuse(RefusalCause.Expired, "outside its lifetime (expired, or not valid yet)", header, parts.Payload);
        }

        // A tenant's own key speaks for that tenant's users only, never for the node's operator.
        var scopes = signedForTenant is not null && claims.Scopes.Contains(Principal.OperatorScope)
            ? claims.Scopes.Where(s => s != Principal.OperatorScope).ToHashSet(StringComparer.Ordinal)
            : claims.Scopes;
        return TokenVerification.Success(new Principal(claims.Tenant, claims.User, claims.Rooms, scopes, deadline));
    }

    /// <summary>
    /// The signature against the node's keys pinned to the header's algorithm that match its key
    /// id. The JWKS source is asked only for ES256 and RS256 tokens whose id no configured key
    /// claims, so no other token can make the node fetch.
    /// </summary>
    private async ValueTask<SignatureCheck> CheckNodeKeysAsync(JwsHeader header, SignedParts parts, CancellationToken cancellationToken)
    {
        var result = Check(_keys, header, parts);
        if (result == SignatureCheck.Verified || _jwks is null || header.Algorithm is not (VerificationKey.ES256 or VerificationKey.RS256))
        {
            return result;
        }

        foreach (var key in _keys)
        {
            if (header.KeyId is not null && key.KeyId == header.KeyId)
            {
                return result;
            }
        }

        var fetched = Check(await _jwks.GetKeysAsync(header.KeyId, cancellationToken), header, parts);
        return fetched == SignatureCheck.NoKey ? result : fetched;
    }

    /// <summary>Verified when any candidate key verifies; failed when there were candidates and none did.</summary>
    private static SignatureCheck Check(IReadOnlyList<VerificationKey> keys, JwsHeader header, SignedParts parts)
    {
        var result = SignatureCheck.NoKey;
        foreach (var key in keys)
        {
            if (key.Algorithm == header.Algorithm && key.Matches(header.KeyId))
            {
                if (key.Verifies(parts.SigningInput, parts.Signature))
                {
                    return SignatureCheck.Verified;
                }

                result = SignatureCheck.Failed;
            }
        }

        return result;
    }

    private enum SignatureCheck
    {
        NoKey,
        Failed,
        Verified,
    }

    /// <summary>
    /// Logs why (rate-limited per cause, see <see cref="RefusalLog"/>) and refuses. The log names
    /// the cause, the header's algorithm and key id and the claimed issuer, never the token: a
    /// token that nearly worked is still a credential.
    /// </summary>
    private TokenVerification Refuse(RefusalCause cause, string detail, JwsHeader? header = null, ReadOnlyMemory<byte> payload = default, Exception? exception = null)
    {
        if (_refusalLog.TryTake(cause, out var suppressed))
        {
            var claimed = ClaimPeek.TryGetString(payload.Span, "iss"u8, out var issuer);
            // The exception's type only: a parser's message may quote the token.
            var why = exception is null ? detail : $"{detail} ({exception.GetType().Name})";
            AuthLog.TokenRefused(_logger, cause, why, Shown(header?.Algorithm), Shown(header?.KeyId), claimed ? Shown(issuer) : "none", suppressed, RefusalLog.Interval.TotalSeconds);
        }

        return TokenVerification.Refused(cause == RefusalCause.Expired ? TokenRefusal.Expired : TokenRefusal.Invalid);
    }

    /// <summary>A value from an unverified header or payload, bounded and printable, for the log.</summary>
    private static string Shown(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "none";
        }

        var shown = new string([.. value.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
        return value.Length > 64 ? shown + "…" : shown;
    }
}
