using System.CommandLine;
using Parley.Auth.Hosting;

namespace Parley.Server.Cli;

/// <summary>
/// <c>parley auth serve</c>: runs the auth service, its own process and port, until SIGTERM or
/// Ctrl-C. It issues the tokens nodes verify through its JWKS; see docs/auth-service.md.
/// </summary>
internal static class AuthCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data directory (the SQLite file auth.db, unless PostgreSQL is configured), relative to the working directory.", DefaultValueFactory = _ => "data" };
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on, separated by ';'.", DefaultValueFactory = _ => "http://localhost:8090" };
        var serve = new Command("serve", "Start the auth service: tenants, users, logins and the signing keys nodes verify with.") { data, urls };
        serve.TreatUnmatchedTokensAsErrors = false;
        serve.SetAction(async (result, cancellationToken) =>
        {
            // Unmatched tokens pass through as configuration, e.g. --ParleyAuth:AccessTokenLifetime=00:05:00.
            string[] args = [.. result.UnmatchedTokens, "--urls", result.GetValue(urls)!, "--ParleyAuth:DataDirectory", CommonOptions.FullPath(result.GetValue(data)!)];
            WebApplication app;
            try
            {
                app = await AuthServiceHost.BuildAsync(args, cancellationToken: cancellationToken);
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException e)
            {
                Console.Error.WriteLine("parley auth: the configuration is invalid:");
                foreach (var failure in e.Failures)
                {
                    Console.Error.WriteLine("  - " + failure);
                }

                return 2;
            }

            await app.RunAsync(cancellationToken);
            return 0;
        });
        return new Command("auth", "The auth service.") { serve };
    }
}
