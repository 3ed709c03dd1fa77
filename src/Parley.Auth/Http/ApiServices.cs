using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Parley.Auth.Credentials;
using Parley.Auth.Store;
using Parley.Auth.Tokens;

namespace Parley.Auth.Http;

/// <summary>What the endpoints share, resolved once.</summary>
internal sealed class ApiServices(
    IAuthStore store,
    Passwords passwords,
    AccessTokens tokens,
    LoginRateLimiter limiter,
    AuthServiceMetrics metrics,
    IOptions<AuthServiceOptions> options,
    TimeProvider clock,
    ILogger<ApiServices> logger)
{
    private readonly byte[] _operatorTokenHash = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.OperatorToken));

    public IAuthStore Store => store;

    public Passwords Passwords => passwords;

    public AccessTokens Tokens => tokens;

    public LoginRateLimiter Limiter => limiter;

    public AuthServiceMetrics Metrics => metrics;

    public AuthServiceOptions Options => options.Value;

    public TimeProvider Clock => clock;

    public ILogger Logger => logger;

    /// <summary>
    /// Whether <paramref name="token"/> is the operator token. Both sides are hashed first, so the
    /// comparison takes the same time whatever the presented token's length or content.
    /// </summary>
    public bool IsOperatorToken(string? token) =>
        token is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), _operatorTokenHash);
}
