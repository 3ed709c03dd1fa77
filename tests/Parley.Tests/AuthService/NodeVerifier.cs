using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Auth;
using Parley.Node.Options;

namespace Parley.Tests.AuthService;

/// <summary>Parley's own verifier, configured the way a node is to trust an auth service: its JWKS URL, issuer and audience, nothing else.</summary>
internal static class NodeVerifier
{
    public static JwtTokenVerifier For(string jwksUrl, TimeProvider? clock = null, HttpClient? http = null)
    {
        var options = new AuthOptions { Issuer = "parley-auth", Audience = "parley", JwksUrl = jwksUrl, DisableDevelopmentKey = true };
        var time = clock ?? TimeProvider.System;
        var jwks = new JwksKeySource(options, http ?? new HttpClient(), time, NullLogger<JwksKeySource>.Instance);
        return new JwtTokenVerifier(options, developmentSecret: null, jwks, time, NullLogger<JwtTokenVerifier>.Instance);
    }
}
