using System.Diagnostics;
using System.Globalization;

namespace Parley.Tests.Cli;

/// <summary>The <c>parley</c> .NET tool: packed from the build, installed into a tool path, run from there.</summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "parley-tool-" + Guid.NewGuid().ToString("N"));

    public ToolPackageTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_packed_tool_installs_into_a_tool_path_and_its_parley_runs()
    {
        var repository = WorkingDirectoryTests.RepositoryRoot();
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var feed = Path.Combine(_root, "feed");
        var tools = Path.Combine(_root, "tools");

        // A version of its own, so no package cached from an earlier run stands in for this one.
        var version = "0.0.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        await RunAsync(repository, "dotnet", "pack", Path.Combine(repository, "src", "Parley.Server", "Parley.Server.csproj"), "-c", configuration, "--no-build", "-nologo", "-o", feed, $"-p:PackageVersion={version}");
        Assert.True(File.Exists(Path.Combine(feed, $"Parley.Cli.{version}.nupkg")));

        await File.WriteAllTextAsync(Path.Combine(_root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await RunAsync(_root, "dotnet", "tool", "install", "Parley.Cli", "--tool-path", tools, "--version", version, "--configfile", Path.Combine(_root, "nuget.config"));

        var parley = Path.Combine(tools, "parley");
        Assert.Contains("1.0.0", await RunAsync(_root, parley, "--version"), StringComparison.Ordinal);
        var help = await RunAsync(_root, parley, "help");
        Assert.Contains("serve", help, StringComparison.Ordinal);
        Assert.Contains("cluster", help, StringComparison.Ordinal);

        // A web app the build copied beside the program travels in the package too.
        var builtIndex = Path.Combine(repository, "src", "Parley.Server", "bin", configuration, "net10.0", "wwwroot", "index.html");
        if (File.Exists(builtIndex))
        {
            Assert.Contains(Directory.EnumerateFiles(tools, "index.html", SearchOption.AllDirectories), f => f.Contains("wwwroot", StringComparison.Ordinal));
        }
    }

    /// <summary>Runs a program to completion (bounded) and returns its output; a failure shows it.</summary>
    private async Task<string> RunAsync(string workingDirectory, string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        if (program == "dotnet" && arguments[0] == "tool")
        {
            // The package the install unpacks goes to this test's own folder, removed with it.
            info.Environment["NUGET_PACKAGES"] = Path.Combine(_root, "packages");
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(deadline.Token);
        var text = await output + await errors;
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed:\n{text}");
        return text;
    }
}
