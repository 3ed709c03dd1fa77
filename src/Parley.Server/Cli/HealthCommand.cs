using System.CommandLine;

namespace Parley.Server.Cli;

/// <summary>
/// <c>parley health</c>: asks a node or the auth service whether it is ready, for a container's
/// HEALTHCHECK or any supervisor that runs a command. The images Parley ships hold no curl or
/// wget, so the program checks itself. Exit code 0 when the address answers 2xx within the
/// timeout, 1 when it answers anything else or not at all; the outcome is printed on one line.
/// </summary>
internal static class HealthCommand
{
    /// <summary>A node's readiness on the address the container image listens on.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8080/healthz/ready";

    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "Address to ask. The auth service's is http://127.0.0.1:8090/healthz/ready in the image.", DefaultValueFactory = _ => DefaultUrl };
        // Shorter than a container engine's default health timeout (30 s), so the command itself says why it failed.
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the answer.", DefaultValueFactory = _ => 5 };
        var command = new Command("health", "Ask a node or the auth service whether it is ready: exit code 0 when it answers 2xx (a container HEALTHCHECK).") { url, timeout };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!Uri.TryCreate(result.GetValue(url), UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
            {
                Console.Error.WriteLine("parley health: --url must be an absolute http(s) address.");
                return 2;
            }

            var seconds = result.GetValue(timeout);
            if (seconds is < 1 or > 300)
            {
                Console.Error.WriteLine("parley health: --timeout must be 1 to 300 seconds.");
                return 2;
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(seconds) };
            try
            {
                using var response = await http.GetAsync(address, cancellationToken);
                var status = (int)response.StatusCode;
                Console.WriteLine($"{address}: {status} {response.ReasonPhrase}");
                return response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Console.WriteLine($"{address}: no answer ({e.Message})");
                return 1;
            }
        });
        return command;
    }
}
