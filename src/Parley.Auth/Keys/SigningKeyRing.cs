using Microsoft.Extensions.Options;
using Parley.Auth.Store;

namespace Parley.Auth.Keys;

/// <summary>
/// The signing keys as last loaded from the store, and their rotation. Rules:
/// <list type="bullet">
/// <item>A new key is created when the newest is at least <see cref="AuthServiceOptions.KeyRotationInterval"/> old
/// (or none exists). The keys before it retire <see cref="AuthServiceOptions.KeyPublicationDelay"/> later
/// (at once when there was none), so the new key is in every node's JWKS cache before it signs.</item>
/// <item>Tokens are signed by the oldest key not yet retired: the predecessor until the handover, the new key after.</item>
/// <item>A retired key stays in the JWKS until every token it signed has expired (retirement plus
/// <see cref="AuthServiceOptions.AccessTokenLifetime"/> plus <see cref="AuthServiceOptions.RetiredKeyGrace"/>), then is deleted.</item>
/// </list>
/// Several instances sharing a store converge: the store lets one of them rotate, and each reloads every
/// <see cref="AuthServiceOptions.MaintenanceInterval"/>.
/// </summary>
internal sealed class SigningKeyRing
{
    private readonly IAuthStore _store;
    private readonly AuthServiceOptions _options;
    private readonly TimeProvider _clock;
    private readonly AuthServiceMetrics _metrics;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _maintenance = new(1, 1);
    private volatile IReadOnlyList<SigningKey> _keys = [];

    public SigningKeyRing(IAuthStore store, IOptions<AuthServiceOptions> options, TimeProvider clock, AuthServiceMetrics metrics, ILogger<SigningKeyRing> logger)
    {
        _store = store;
        _options = options.Value;
        _clock = clock;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The key that signs now. Throws before the first <see cref="MaintainAsync"/>.</summary>
    public SigningKey Current
    {
        get
        {
            var now = _clock.GetUtcNow();
            var keys = _keys;
            // A key whose handover time passed on another instance may still look active here until
            // the next reload; RetiredKeyGrace covers the tokens it signs meanwhile.
            return keys.FirstOrDefault(k => k.IsActiveAt(now)) ?? keys.LastOrDefault()
                ?? throw new InvalidOperationException("No signing key is loaded yet.");
        }
    }

    /// <summary>The keys the JWKS lists now, oldest first.</summary>
    public IReadOnlyList<SigningKey> Published
    {
        get
        {
            var now = _clock.GetUtcNow();
            return [.. _keys.Where(k => k.IsPublishedAt(now))];
        }
    }

    /// <summary>The published key with <paramref name="keyId"/>, for verifying the service's own tokens.</summary>
    public SigningKey? Find(string? keyId)
    {
        var now = _clock.GetUtcNow();
        return _keys.FirstOrDefault(k => string.Equals(k.KeyId, keyId, StringComparison.Ordinal) && k.IsPublishedAt(now));
    }

    /// <summary>Rotates when due, deletes keys past their last token's expiry, and reloads the keys.</summary>
    public async Task MaintainAsync(CancellationToken cancellationToken)
    {
        await _maintenance.WaitAsync(cancellationToken);
        try
        {
            var now = _clock.GetUtcNow();
            var stored = await _store.GetSigningKeysAsync(cancellationToken);
            var newest = stored.Count == 0 ? (DateTimeOffset?)null : stored.Max(k => k.Created);
            if (newest is not { } created || now - created >= _options.KeyRotationInterval)
            {
                var handover = newest is null ? now : now + _options.KeyPublicationDelay;
                var successor = SigningKey.Generate(now);
                var rotation = new KeyRotation(successor, now - _options.KeyRotationInterval, handover, handover + _options.AccessTokenLifetime + _options.RetiredKeyGrace);
                if (await _store.RotateSigningKeyAsync(rotation, cancellationToken))
                {
                    AuthServiceLog.KeyCreated(_logger, successor.KeyId, handover);
                    _metrics.KeyRotated();
                }
            }

            var removed = await _store.DeleteExpiredSigningKeysAsync(now, cancellationToken);
            if (removed > 0)
            {
                AuthServiceLog.KeysRemoved(_logger, removed);
            }

            await ReloadAsync(cancellationToken);
        }
        finally
        {
            _maintenance.Release();
        }
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var loaded = _keys.ToDictionary(k => k.KeyId, StringComparer.Ordinal);
        var keys = new List<SigningKey>();
        foreach (var record in await _store.GetSigningKeysAsync(cancellationToken))
        {
            // A loaded key is reused (the import costs more than the comparison) unless its schedule changed.
            keys.Add(loaded.TryGetValue(record.KeyId, out var known) && known.Record.RetiredAt == record.RetiredAt && known.Record.NotAfter == record.NotAfter
                ? known
                : SigningKey.Load(record));
        }

        _keys = keys;
    }
}
