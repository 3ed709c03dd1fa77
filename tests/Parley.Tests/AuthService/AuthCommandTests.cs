using System.Net;
using Parley.Tests.Support;

namespace Parley.Tests.AuthService;

/// <summary><c>parley auth serve</c> as an operator runs it.</summary>
public sealed class AuthCommandTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "parley-auth-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task Auth_serve_refuses_to_start_without_an_operator_token_and_says_so()
    {
        var (exit, output) = await ParleyProcess.RunAsync("auth", "serve", "--data", _data, "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, exit);
        Assert.Contains("ParleyAuth:OperatorToken is required", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth_serve_runs_the_service_on_its_own_port_with_its_store_in_the_data_directory()
    {
        var port = ParleyProcess.FreePort();
        using var server = ParleyProcess.Start("auth", "serve", "--data", _data, "--urls", $"http://127.0.0.1:{port}", $"--ParleyAuth:OperatorToken={AuthServiceNode.OperatorToken}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await http.GetAsync("/healthz/ready")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the auth service answers ready", TimeSpan.FromSeconds(30));

        using var jwks = await http.GetAsync("/.well-known/jwks.json");

        Assert.Equal(HttpStatusCode.OK, jwks.StatusCode);
        Assert.True(File.Exists(Path.Combine(_data, "auth.db")));
        server.Terminate();
        await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, server.ExitCode);
    }
}
