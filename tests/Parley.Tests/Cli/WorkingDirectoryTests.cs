using System.Diagnostics;
using Parley.Tests.Support;

namespace Parley.Tests.Cli;

/// <summary>Relative paths mean the directory the user typed the command in, however parley was started.</summary>
public sealed class WorkingDirectoryTests : IDisposable
{
    private readonly string _cwd = Path.Combine(Path.GetTempPath(), "parley-cwd-" + Guid.NewGuid().ToString("N"));

    public WorkingDirectoryTests() => Directory.CreateDirectory(_cwd);

    public void Dispose() => Directory.Delete(_cwd, recursive: true);

    [Fact]
    public async Task The_built_parley_keeps_a_relative_data_directory_under_the_directory_it_was_run_from()
    {
        var port = ParleyProcess.FreePort();
        using var node = ParleyProcess.StartIn(_cwd, new Dictionary<string, string?>(), "serve", "--data", "rel", "--urls", $"http://127.0.0.1:{port}");
        await Eventually.TrueAsync(() => node.Output.Contains("started in embedded mode", StringComparison.Ordinal) || node.HasExited, "the node starts", TimeSpan.FromSeconds(30));

        Assert.True(File.Exists(Path.Combine(_cwd, "rel", "parley.db")), node.Output);
        Assert.True(File.Exists(Path.Combine(_cwd, "rel", "dev-signing.key")));
        Assert.Contains($"data: {Path.Combine(_cwd, "rel")}", node.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dotnet_run_keeps_a_relative_data_directory_under_the_directory_it_was_run_from_not_the_project()
    {
        var project = Path.Combine(RepositoryRoot(), "src", "Parley.Server");
        var name = "rel-" + Guid.NewGuid().ToString("N")[..8];
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _cwd,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "run", "--no-build", "-c", configuration, "--project", project, "--", "token", "--data", name, "--create-key", "--tenant", "acme", "--user", "alice" })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var run = Process.Start(info)!;
        var output = run.StandardOutput.ReadToEndAsync();
        var errors = run.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await run.WaitForExitAsync(deadline.Token);

        Assert.True(run.ExitCode == 0, await output + await errors);
        Assert.True(File.Exists(Path.Combine(_cwd, name, "dev-signing.key")));
        Assert.False(Directory.Exists(Path.Combine(project, name)), "nothing lands in the source tree");
    }

    /// <summary>The checkout the tests were built from: the first parent holding Parley.sln.</summary>
    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Parley.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Parley.sln not found above " + AppContext.BaseDirectory);
    }
}
