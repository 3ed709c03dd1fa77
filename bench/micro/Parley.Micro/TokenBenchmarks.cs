using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Auth;
using Parley.Node.Options;

namespace Parley.Micro;

/// <summary>
/// What every connect pays to prove who it is: verifying a valid token with the node's HMAC secret
/// (HS256, what development and most embedded nodes use) and with a pinned public key (ES256, what
/// a production issuer uses). The garbage of a verification is most of a connect's garbage.
/// </summary>
public class TokenBenchmarks
{
    private const string Secret = "parley-benchmark-secret-of-at-least-32-bytes";

    private JwtTokenVerifier _hmacVerifier = null!;
    private JwtTokenVerifier _publicKeyVerifier = null!;
    private ECDsa _signingKey = null!;
    private string _hs256 = "";
    private string _es256 = "";

    [GlobalSetup]
    public void Setup()
    {
        _signingKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["tenant"] = "acme",
            ["sub"] = "alice",
            ["iss"] = "parley-dev",
            ["aud"] = "parley",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = (now + TimeSpan.FromDays(1)).ToUnixTimeSeconds(),
            ["rooms"] = new[] { "general", "team-*" },
        };
        _hs256 = Token("HS256", claims, data => HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), data));
        _es256 = Token("ES256", claims, data => _signingKey.SignData(data, HashAlgorithmName.SHA256));

        _hmacVerifier = new JwtTokenVerifier(new AuthOptions { HmacSecret = Secret }, null, null, TimeProvider.System, NullLogger<JwtTokenVerifier>.Instance);
        var pinned = new AuthOptions { PublicKeys = [new PublicKeyOptions { Algorithm = "ES256", Pem = _signingKey.ExportSubjectPublicKeyInfoPem() }] };
        _publicKeyVerifier = new JwtTokenVerifier(pinned, null, null, TimeProvider.System, NullLogger<JwtTokenVerifier>.Instance);
        if (VerifyHs256().Result.Principal is null || VerifyEs256().Result.Principal is null)
        {
            throw new InvalidOperationException("The benchmark's tokens must verify.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _signingKey.Dispose();

    [Benchmark]
    public Task<TokenVerification> VerifyHs256() => _hmacVerifier.VerifyAsync(_hs256, CancellationToken.None);

    [Benchmark]
    public Task<TokenVerification> VerifyEs256() => _publicKeyVerifier.VerifyAsync(_es256, CancellationToken.None);

    private static string Token(string algorithm, object claims, Func<byte[], byte[]> sign)
    {
        var input = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new { alg = algorithm, typ = "JWT" }))
            + "." + Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        return input + "." + Base64Url.EncodeToString(sign(Encoding.ASCII.GetBytes(input)));
    }
}
