using Parley.Tests.Support;

namespace Parley.Tests.Cli;

/// <summary>What <c>parley help</c> and each command's help tell a new user.</summary>
public sealed class HelpTests
{
    [Fact]
    public async Task Parley_help_lists_every_command_on_one_line_each()
    {
        var (exit, output) = await ParleyProcess.RunAsync("help");

        Assert.Equal(0, exit);
        var commands = output[(output.IndexOf("Commands:", StringComparison.Ordinal) + "Commands:".Length)..].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(
            ["serve", "token", "cluster", "login", "tenant", "user", "apikey", "auth", "bench", "soak", "health", "help"],
            commands.Select(line => line.Split(' ')[0]));
        Assert.DoesNotContain("--processes", output, StringComparison.Ordinal);
        Assert.Equal(output, (await ParleyProcess.RunAsync("--help")).Output);
    }

    [Fact]
    public async Task Serve_help_shows_how_configuration_is_given_with_a_well_formed_usage_line()
    {
        var (exit, output) = await ParleyProcess.RunAsync("serve", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("parley serve [options] [--Parley:Key=value ...]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[[--]", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Additional Arguments", output, StringComparison.Ordinal);
        Assert.Contains("--Parley:Limits:ConnectionsPerUser=10", output, StringComparison.Ordinal);
        Assert.Contains("Parley__Limits__ConnectionsPerUser=10", output, StringComparison.Ordinal);
        Assert.Contains("appsettings.json", output, StringComparison.Ordinal);
        Assert.Equal(output, (await ParleyProcess.RunAsync("help", "serve")).Output);
    }

    [Fact]
    public async Task A_commands_detail_is_in_its_own_help()
    {
        var (exit, output) = await ParleyProcess.RunAsync("help", "bench");

        Assert.Equal(0, exit);
        Assert.Contains("--processes N splits the run", output, StringComparison.Ordinal);
        Assert.Contains("--connections", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_startup_line_names_the_web_app_and_the_api_reference()
    {
        var data = Path.Combine(Path.GetTempPath(), "parley-help-" + Guid.NewGuid().ToString("N"));
        try
        {
            var port = ParleyProcess.FreePort();
            using var node = ParleyProcess.Start("serve", "--data", data, "--urls", $"http://127.0.0.1:{port}");
            await Eventually.TrueAsync(() => node.Output.Contains("started in embedded mode", StringComparison.Ordinal) || node.HasExited, "the node starts", TimeSpan.FromSeconds(30));

            var line = node.Output.Split('\n').Single(l => l.Contains("started in embedded mode", StringComparison.Ordinal));
            Assert.Contains($"web app: http://127.0.0.1:{port}/;", line, StringComparison.Ordinal);
            Assert.Contains($"API reference: http://127.0.0.1:{port}/openapi/v1.json", line, StringComparison.Ordinal);
            Assert.Contains("docs/", line, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}
