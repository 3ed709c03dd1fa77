using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Parley.Auth.Credentials;
using Parley.Auth.Http;
using Parley.Auth.Keys;
using Parley.Auth.Store;
using Parley.Auth.Tokens;

namespace Parley.Auth.Hosting;

/// <summary>
/// Composes the auth service: options validated before anything opens, then the store (PostgreSQL
/// when a connection string is set, otherwise SQLite in the data directory, migrated either way),
/// the signing keys (a first one created when none exists), and the HTTP API.
/// </summary>
internal static class AuthServiceHost
{
    /// <param name="configureServices">Runs after every service is registered, so a host (a test) may add or replace one.</param>
    public static async Task<WebApplication> BuildAsync(
        string[] args,
        Action<IConfigurationBuilder>? configure = null,
        TimeProvider? clock = null,
        CancellationToken cancellationToken = default,
        Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder.Configuration);

        var options = builder.Configuration.GetSection(AuthServiceOptions.Section).Get<AuthServiceOptions>() ?? new AuthServiceOptions();
        var validation = new AuthServiceOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(AuthServiceOptions.Section, typeof(AuthServiceOptions), validation.Failures);
        }

        IAuthStore store = options.PostgresConnectionString.Length > 0
            ? await PostgresAuthStore.OpenAsync(options.PostgresConnectionString, cancellationToken)
            : await SqliteAuthStore.OpenAsync(options.SqlitePath, cancellationToken);

        var services = builder.Services;
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        services.AddSingleton(clock ?? TimeProvider.System);
        // Created by a factory, so the container disposes it on shutdown.
        services.AddSingleton(_ => store);
        services.AddSingleton<AuthServiceMetrics>();
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<AccessTokens>();
        services.AddSingleton<Passwords>();
        services.AddSingleton<LoginRateLimiter>();
        services.AddSingleton<ApiServices>();
        services.AddHostedService<KeyMaintenanceService>();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = AuthJson.MaxBodyBytes);
        configureServices?.Invoke(services);

        var app = builder.Build();
        try
        {
            // The first key exists before the first request, so the JWKS is never empty.
            await app.Services.GetRequiredService<SigningKeyRing>().MaintainAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        app.Use(ErrorHandling.InvokeAsync);
        KeyEndpoints.Map(app);
        TenantEndpoints.Map(app);
        UserAuthEndpoints.Map(app);
        TenantKeyEndpoints.Map(app);
        ApiKeyEndpoints.Map(app);
        InternalEndpoints.Map(app);
        HealthEndpoints.Map(app);
        app.MapFallback(() => AuthErrors.Result(StatusCodes.Status404NotFound, AuthErrors.NotFound, "No such endpoint."));

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Parley.Auth");
        foreach (var unknown in Parley.Configuration.UnknownSettings.Find(builder.Configuration.GetSection(AuthServiceOptions.Section), typeof(AuthServiceOptions)))
        {
            AuthServiceLog.UnknownSetting(logger, unknown.Key, unknown.Nearest);
        }

        AuthServiceLog.Started(logger, options.Issuer, options.Audience, store is PostgresAuthStore ? "postgresql" : options.SqlitePath);
        return app;
    }
}
