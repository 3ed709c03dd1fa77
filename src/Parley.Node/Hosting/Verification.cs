using Microsoft.Extensions.Options;
using Parley.Node.Auth;
using Parley.Node.Options;
using Parley.Node.Tenancy;

namespace Parley.Node.Hosting;

/// <summary>The token verifier: configured keys, the JWKS source, and in embedded mode the development key.</summary>
internal static class Verification
{
    public static void Add(IServiceCollection services, ParleyOptions options)
    {
        var developmentSecret = options.Auth.DisableDevelopmentKey || options.Auth.HmacSecret.Length > 0
            ? null
            : DevelopmentKey.LoadOrCreate(options.DataDirectory);
        services.AddSingleton(new DevelopmentSigning(developmentSecret));
        services.AddHttpClient();
        services.AddSingleton<ITokenVerifier>(sp =>
        {
            var auth = sp.GetRequiredService<IOptions<ParleyOptions>>().Value.Auth;
            var clock = sp.GetRequiredService<TimeProvider>();
            IVerificationKeySource? jwks = auth.JwksUrl.Length > 0
                ? new JwksKeySource(auth, sp.GetRequiredService<IHttpClientFactory>().CreateClient("jwks"), clock, sp.GetRequiredService<ILogger<JwksKeySource>>())
                : null;
            var directory = options.Directory.Url.Length > 0 ? sp.GetRequiredService<ITenantDirectory>() : null;
            return new JwtTokenVerifier(auth, developmentSecret, jwks, clock, sp.GetRequiredService<ILogger<JwtTokenVerifier>>(), directory);
        });
    }
}
