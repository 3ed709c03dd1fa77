using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Parley.Node.Options;

namespace Parley.Node.Auth;

/// <summary>
/// Verification keys fetched from <see cref="AuthOptions.JwksUrl"/>. Guarantees: keys are reused
/// for <see cref="AuthOptions.JwksRefreshInterval"/>; an unknown <c>kid</c> refetches, but no two
/// fetches start within <see cref="AuthOptions.JwksMinimumRefetchInterval"/> and only one runs at a
/// time, so forged kids cannot hammer the issuer; a failed fetch keeps the keys fetched before, so
/// the node keeps verifying while the issuer is down.
/// </summary>
internal sealed class JwksKeySource : IVerificationKeySource
{
    /// <summary>Longest a fetch may take before it counts as failed.</summary>
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Largest JWKS document read, in bytes; a key set is a few kilobytes.</summary>
    public const int MaxDocumentBytes = 1024 * 1024;

    private readonly AuthOptions _options;
    private readonly HttpClient _http;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _fetchGate = new(1, 1);
    private volatile KeySet? _current;
    private long _lastAttemptTicks = long.MinValue;

    public JwksKeySource(AuthOptions options, HttpClient http, TimeProvider clock, ILogger<JwksKeySource> logger)
    {
        if (!Uri.TryCreate(options.JwksUrl, UriKind.Absolute, out _))
        {
            throw new ArgumentException("Auth:JwksUrl must be an absolute URL.", nameof(options));
        }

        _options = options;
        _http = http;
        _clock = clock;
        _logger = logger;
    }

    public async ValueTask<IReadOnlyList<VerificationKey>> GetKeysAsync(string? keyId, CancellationToken cancellationToken)
    {
        var current = _current;
        if (IsUsable(current, keyId) || (current is not null && AttemptedRecently()))
        {
            return current!.Keys;
        }

        // A caller the cached keys can answer never waits behind a fetch to a slow issuer; only
        // one that needs the fetch's result (no keys yet, or an unknown kid) waits for it.
        if (current is not null && Knows(current, keyId))
        {
            if (!_fetchGate.Wait(0))
            {
                return current.Keys;
            }
        }
        else
        {
            await _fetchGate.WaitAsync(cancellationToken);
        }

        try
        {
            // Another caller may have fetched, or tried to, while this one waited.
            current = _current;
            if (IsUsable(current, keyId) || AttemptedRecently())
            {
                return current?.Keys ?? [];
            }

            if (current is not null && !Knows(current, keyId))
            {
                AuthLog.JwksUnknownKeyId(_logger, _options.JwksUrl, keyId!);
            }

            Volatile.Write(ref _lastAttemptTicks, _clock.GetUtcNow().UtcTicks);
            // The fetch serves every waiting caller, so this caller's cancellation does not end it.
            var fetched = await FetchAsync();
            if (fetched is not null)
            {
                _current = current = new KeySet(fetched, _clock.GetUtcNow());
            }

            return current?.Keys ?? [];
        }
        finally
        {
            _fetchGate.Release();
        }
    }

    /// <summary>Fresh keys, and (when the token names one) a key with that id among them.</summary>
    private bool IsUsable([NotNullWhen(true)] KeySet? keys, string? keyId) =>
        keys is not null && _clock.GetUtcNow() - keys.FetchedAt < _options.JwksRefreshInterval && Knows(keys, keyId);

    private static bool Knows(KeySet keys, string? keyId) => keyId is null || keys.Keys.Any(k => k.KeyId == keyId);

    private bool AttemptedRecently()
    {
        var last = Volatile.Read(ref _lastAttemptTicks);
        return last != long.MinValue && _clock.GetUtcNow().UtcTicks - last < _options.JwksMinimumRefetchInterval.Ticks;
    }

    /// <summary>The usable keys of the document, or null when the fetch failed or yielded none.</summary>
    private async Task<IReadOnlyList<VerificationKey>?> FetchAsync()
    {
        using var timeout = new CancellationTokenSource(FetchTimeout);
        try
        {
            using var response = await _http.GetAsync(_options.JwksUrl, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            response.EnsureSuccessStatusCode();
            await response.Content.LoadIntoBufferAsync(MaxDocumentBytes, timeout.Token);
            var set = new JsonWebKeySet(await response.Content.ReadAsStringAsync(timeout.Token));
            var keys = new List<VerificationKey>();
            foreach (var jwk in set.Keys)
            {
                if (TryConvert(jwk) is { } key)
                {
                    keys.Add(key);
                }
                else
                {
                    AuthLog.JwksKeySkipped(_logger, _options.JwksUrl, jwk.Kid);
                }
            }

            // A document without one usable key is far likelier a broken deployment than a
            // deliberate revocation of every key: keep verifying with what worked.
            if (keys.Count == 0)
            {
                throw new InvalidDataException("The key set holds no usable ES256 or RS256 signing key.");
            }

            AuthLog.JwksFetched(_logger, keys.Count, _options.JwksUrl);
            return keys;
        }
        catch (Exception e)
        {
            AuthLog.JwksFetchFailed(_logger, _options.JwksUrl, _current?.Keys.Count ?? 0, e);
            return null;
        }
    }

    private static VerificationKey? TryConvert(JsonWebKey jwk)
    {
        try
        {
            return VerificationKey.FromJsonWebKey(jwk);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or FormatException)
        {
            return null;
        }
    }

    private sealed record KeySet(IReadOnlyList<VerificationKey> Keys, DateTimeOffset FetchedAt);
}
