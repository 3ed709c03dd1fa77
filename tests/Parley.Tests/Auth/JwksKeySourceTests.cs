using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Parley.Node.Auth;
using Parley.Node.Options;
using Parley.Tests.Support;
using static Parley.Tests.Auth.TestTokens;

namespace Parley.Tests.Auth;

public sealed class JwksKeySourceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(Start);
    private readonly HttpClient _http = new();
    private readonly RecordingLogger<JwksKeySource> _log = new();
    private readonly ECDsa _first = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _second = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ECDsa _stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private JwksServer _server = null!;
    private AuthOptions _options = null!;

    public async Task InitializeAsync()
    {
        _server = await JwksServer.StartAsync(JwkSet(Jwk(_first, "first")));
        _options = new AuthOptions { DisableDevelopmentKey = true, JwksUrl = _server.Url };
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _http.Dispose();
        _first.Dispose();
        _second.Dispose();
        _stranger.Dispose();
    }

    private JwtTokenVerifier Verifier()
    {
        var source = new JwksKeySource(_options, _http, _clock, _log);
        return new JwtTokenVerifier(_options, null, source, _clock, NullLogger<JwtTokenVerifier>.Instance);
    }

    private string Token(ECDsa key, string kid) => Build(Header("ES256", kid), Claims(_clock.GetUtcNow()), Es256(key));

    private static async Task<TokenRefusal> RefusalAsync(JwtTokenVerifier verifier, string token) =>
        (await verifier.VerifyAsync(token, CancellationToken.None)).Refusal;

    [Fact]
    public async Task Token_with_a_known_kid_verifies_with_keys_from_the_JWKS()
    {
        var verifier = Verifier();

        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_first, "first")));
        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_first, "first")));
        Assert.Equal(1, _server.Requests);
    }

    [Fact]
    public async Task JWK_without_alg_is_pinned_by_its_key_type()
    {
        using var rsa = RSA.Create(2048);
        _server.Document = JwkSet(Jwk(_first, "ec", alg: null), Jwk(rsa, "rsa", alg: null));
        var verifier = Verifier();

        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_first, "ec")));
        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Build(Header("RS256", "rsa"), Claims(Start), Rs256(rsa))));
        Assert.Equal(TokenRefusal.Invalid, await RefusalAsync(verifier, Build(Header("PS256", "rsa"), Claims(Start), Rs256(rsa))));
    }

    [Fact]
    public async Task JWK_whose_alg_contradicts_its_key_type_is_not_used()
    {
        _server.Document = JwkSet(Jwk(_first, "first", alg: "RS256"), Jwk(_second, "second"));
        var verifier = Verifier();

        Assert.Equal(TokenRefusal.Invalid, await RefusalAsync(verifier, Token(_first, "first")));
        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_second, "second")));
    }

    [Fact]
    public async Task HS256_token_signed_with_a_JWKS_key_is_refused()
    {
        var verifier = Verifier();
        var p = _first.ExportParameters(false);

        var token = Build(Header("HS256", "first"), Claims(Start), Hmac([.. p.Q.X!, .. p.Q.Y!]));

        Assert.Equal(TokenRefusal.Invalid, await RefusalAsync(verifier, token));
        Assert.Equal(0, _server.Requests);
    }

    [Fact]
    public async Task Unknown_kid_after_key_rotation_refetches_once_and_then_verifies()
    {
        var verifier = Verifier();
        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_first, "first")));

        _server.Document = JwkSet(Jwk(_second, "second"));
        _clock.Advance(_options.JwksMinimumRefetchInterval);

        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_second, "second")));
        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_second, "second")));
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task Fifty_tokens_with_bogus_kids_cause_at_most_one_fetch_per_minimum_interval()
    {
        var verifier = Verifier();
        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_first, "first")));

        var bogus = Enumerable.Range(0, 50).Select(_ => Token(_stranger, Guid.NewGuid().ToString("N"))).ToArray();

        // Right after a fetch: no fetch at all.
        Assert.All(await Task.WhenAll(bogus.Select(t => RefusalAsync(verifier, t))), r => Assert.Equal(TokenRefusal.Invalid, r));
        Assert.Equal(1, _server.Requests);

        // Once the interval has passed, the whole concurrent flood makes one fetch.
        _clock.Advance(_options.JwksMinimumRefetchInterval);
        Assert.All(await Task.WhenAll(bogus.Select(t => RefusalAsync(verifier, t))), r => Assert.Equal(TokenRefusal.Invalid, r));
        Assert.Equal(2, _server.Requests);

        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_first, "first")));
    }

    [Fact]
    public async Task Cached_keys_keep_verifying_while_the_issuer_is_down()
    {
        var verifier = Verifier();
        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_first, "first")));

        await _server.DisposeAsync();
        _clock.Advance(_options.JwksRefreshInterval + TimeSpan.FromSeconds(1));

        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_first, "first")));
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Event.Id == 1511);
    }

    [Fact]
    public async Task Known_kid_verifies_from_the_cache_while_a_refresh_hangs_on_a_slow_issuer()
    {
        var verifier = Verifier();
        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_first, "first")));

        var stall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _server.Stall = stall.Task;
        _clock.Advance(_options.JwksRefreshInterval);
        var refreshing = RefusalAsync(verifier, Token(_first, "first"));
        await Eventually.TrueAsync(() => _server.Requests == 2, "the refresh reached the issuer");

        Assert.Equal(TokenRefusal.None, await Eventually.WithinAsync(RefusalAsync(verifier, Token(_first, "first")), "a verification from the cache"));
        Assert.False(refreshing.IsCompleted);

        stall.SetResult();
        Assert.Equal(TokenRefusal.None, await Eventually.WithinAsync(refreshing, "the refreshing verification"));
    }

    [Fact]
    public async Task Key_set_without_usable_keys_keeps_the_keys_fetched_before()
    {
        var verifier = Verifier();
        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_first, "first")));

        _server.Document = """{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"mac"}]}""";
        _clock.Advance(_options.JwksRefreshInterval);

        Assert.Equal(TokenRefusal.None, await RefusalAsync(verifier, Token(_first, "first")));
        Assert.Equal(2, _server.Requests);
    }

    [Fact]
    public async Task Issuer_down_before_the_first_fetch_refuses_without_an_exception()
    {
        await _server.DisposeAsync();
        var verifier = Verifier();

        Assert.Equal(TokenRefusal.Invalid, await RefusalAsync(verifier, Token(_first, "first")));
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning && e.Event.Id == 1511);
    }

    /// <summary>A JWKS endpoint on a loopback port chosen at run time, counting its requests.</summary>
    private sealed class JwksServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;
        private bool _disposed;

        public volatile string Document;

        /// <summary>Each response waits for this task, to play an issuer that hangs.</summary>
        public volatile Task Stall = Task.CompletedTask;

        private JwksServer(WebApplication app, string document)
        {
            _app = app;
            Document = document;
        }

        public string Url { get; private set; } = "";

        public int Requests => Volatile.Read(ref _requests);

        public static async Task<JwksServer> StartAsync(string document)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var server = new JwksServer(builder.Build(), document);
            server._app.MapGet("/.well-known/jwks.json", async () =>
            {
                Interlocked.Increment(ref server._requests);
                await server.Stall;
                return Results.Text(server.Document, "application/json");
            });
            await server._app.StartAsync();
            server.Url = server._app.Urls.Single() + "/.well-known/jwks.json";
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
        }
    }
}
