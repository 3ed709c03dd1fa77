using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Parley.Node.Auth;
using Parley.Node.Options;
using static Parley.Tests.Auth.TestTokens;

namespace Parley.Tests.Auth;

/// <summary>The node says why it refused a token, a bounded number of times, and never logs the token.</summary>
public sealed class TokenRefusalLogTests
{
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly MessageLogger _log = new();

    private JwtTokenVerifier Verifier() => new(new AuthOptions(), Secret, null, _clock, _log);

    private string Mint(string secret = Secret, AuthOptions? auth = null, TimeSpan? ttl = null) =>
        DevelopmentTokenMinter.Mint(secret, auth ?? new AuthOptions(), "acme", "alice", ["general"], [], ttl ?? TimeSpan.FromMinutes(5), _clock);

    [Fact]
    public async Task A_token_signed_with_another_key_is_logged_as_a_bad_signature_once_per_interval_with_a_count_of_the_others_and_never_the_token()
    {
        var verifier = Verifier();
        var foreign = Mint(secret: "another-data-directorys-key-of-32-bytes-or-more");

        for (var i = 0; i < 50; i++)
        {
            await verifier.VerifyAsync(foreign, CancellationToken.None);
        }

        var first = Assert.Single(_log.Messages);
        Assert.Equal(LogLevel.Warning, first.Level);
        Assert.Contains("Token refused (BadSignature)", first.Text, StringComparison.Ordinal);
        Assert.Contains("alg HS256", first.Text, StringComparison.Ordinal);
        Assert.Contains("0 more refusals", first.Text, StringComparison.Ordinal);

        _clock.Advance(RefusalLog.Interval);
        await verifier.VerifyAsync(foreign, CancellationToken.None);

        Assert.Equal(2, _log.Messages.Count);
        Assert.Contains("49 more refusals", _log.Messages.Last().Text, StringComparison.Ordinal);
        Assert.All(_log.Messages, m => Assert.DoesNotContain(foreign.Split('.')[2], m.Text, StringComparison.Ordinal));
        Assert.All(_log.Messages, m => Assert.DoesNotContain(foreign.Split('.')[1], m.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_cause_of_refusal_is_named_and_limited_on_its_own()
    {
        var verifier = Verifier();
        var es256 = Build(Header("ES256", "k-1"), Claims(Start), _ => new byte[64]);
        var otherIssuer = Mint(auth: new AuthOptions { Issuer = "someone-else" });

        await verifier.VerifyAsync("not-a-token", CancellationToken.None);
        await verifier.VerifyAsync(es256, CancellationToken.None);
        await verifier.VerifyAsync(otherIssuer, CancellationToken.None);
        var expiring = Mint(ttl: TimeSpan.FromSeconds(1));
        _clock.Advance(TimeSpan.FromMinutes(10));
        await verifier.VerifyAsync(expiring, CancellationToken.None);

        Assert.Equal(
            ["Malformed", "UnknownKey", "WrongIssuerOrAudience", "Expired"],
            _log.Messages.Select(m => m.Text[(m.Text.IndexOf('(', StringComparison.Ordinal) + 1)..m.Text.IndexOf(')', StringComparison.Ordinal)]));
        Assert.Contains("kid k-1", _log.Messages.ElementAt(1).Text, StringComparison.Ordinal);
        Assert.Contains("iss someone-else", _log.Messages.ElementAt(2).Text, StringComparison.Ordinal);
        Assert.All(_log.Messages, m => Assert.Equal(LogLevel.Warning, m.Level));
    }

    /// <summary>Keeps each message as it would be written.</summary>
    private sealed class MessageLogger : ILogger<JwtTokenVerifier>
    {
        public ConcurrentQueue<(LogLevel Level, string Text)> Messages { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Messages.Enqueue((logLevel, formatter(state, exception) + (exception is null ? "" : "\n" + exception)));
    }
}
