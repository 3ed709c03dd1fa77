using System.CommandLine;
using Parley.Node.Hosting;

namespace Parley.Server.Cli;

/// <summary><c>parley serve</c>: runs a node until SIGTERM or Ctrl-C, then drains.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on, separated by ';'.", DefaultValueFactory = _ => "http://localhost:8080" };
        var command = new Command("serve", "Start a Parley node (embedded mode unless Redis and PostgreSQL are configured).") { data, urls };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, cancellationToken) =>
        {
            // Unmatched tokens pass through as configuration, e.g. --Parley:Limits:ConnectionsPerUser=10.
            string[] args = [.. result.UnmatchedTokens, "--urls", result.GetValue(urls)!, "--Parley:DataDirectory", CommonOptions.FullPath(result.GetValue(data)!)];
            WebApplication app;
            try
            {
                app = await ParleyNode.BuildAsync(args, cancellationToken: cancellationToken);
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException e)
            {
                Console.Error.WriteLine("parley: the configuration is invalid:");
                foreach (var failure in e.Failures)
                {
                    Console.Error.WriteLine("  - " + failure);
                }

                return 2;
            }

            // Once listening, one line says what started and where, so the first minutes need no guessing.
            app.Lifetime.ApplicationStarted.Register(() => StartupLine.Log(app));
            await app.RunAsync();
            return 0;
        });
        return command;
    }
}
