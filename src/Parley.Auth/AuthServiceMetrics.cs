using System.Diagnostics.Metrics;

namespace Parley.Auth;

/// <summary>Instruments of the auth service (meter <c>Parley.Auth</c>).</summary>
internal sealed class AuthServiceMetrics : IDisposable
{
    public const string MeterName = "Parley.Auth";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _logins;
    private readonly Counter<long> _refreshes;
    private readonly Counter<long> _rotations;

    public AuthServiceMetrics()
    {
        _logins = _meter.CreateCounter<long>("parley.auth.logins", "{attempt}", "Login attempts by outcome (ok, invalid_credentials, rate_limited, tenant_disabled).");
        _refreshes = _meter.CreateCounter<long>("parley.auth.refreshes", "{attempt}", "Refresh attempts by outcome (ok, invalid, reused, tenant_disabled).");
        _rotations = _meter.CreateCounter<long>("parley.auth.key.rotations", "{key}", "Signing keys created by this instance.");
        // Every series exists at 0 from start, so an alert on a rate fires at the first event.
        foreach (var outcome in (string[])["ok", "invalid_credentials", "rate_limited", "tenant_disabled"])
        {
            _logins.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }

        foreach (var outcome in (string[])["ok", "invalid", "reused", "tenant_disabled"])
        {
            _refreshes.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }

        _rotations.Add(0);
    }

    public Meter Meter => _meter;

    public void Login(string outcome) => _logins.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Refresh(string outcome) => _refreshes.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void KeyRotated() => _rotations.Add(1);

    public void Dispose() => _meter.Dispose();
}
