using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Parley.Tests.Support;

namespace Parley.Tests.Bench;

/// <summary>
/// A benchmark peer started as its own process on a loopback port it picks itself (port 0). Every
/// peer prints <c>listening http://127.0.0.1:PORT</c> once ready; <see cref="Url"/> is that address.
/// The process tree is killed on dispose.
/// </summary>
internal sealed partial class PeersProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private PeersProcess(ProcessStartInfo info)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException("The peer exited before listening:\n" + Output));
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri Url { get; private set; } = null!;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Runs a built .NET peer (<paramref name="assembly"/> beside the tests) with <c>--urls http://127.0.0.1:0</c>.</summary>
    public static Task<PeersProcess> StartDotnetAsync(string assembly)
    {
        var info = new ProcessStartInfo("dotnet");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add("http://127.0.0.1:0");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return StartAsync(info);
    }

    /// <summary>Runs <c>node server.js</c> in <paramref name="directory"/> with <c>PORT=0</c>, clustered through <paramref name="redisUrl"/> when given.</summary>
    public static Task<PeersProcess> StartNodeAsync(string directory, string? redisUrl = null)
    {
        var info = new ProcessStartInfo("node") { WorkingDirectory = directory };
        info.ArgumentList.Add("server.js");
        info.Environment["PORT"] = "0";
        info.Environment.Remove("REDIS_URL");
        if (redisUrl is not null)
        {
            info.Environment["REDIS_URL"] = redisUrl;
        }

        return StartAsync(info);
    }

    /// <summary>The repository's root, found from the test assembly's folder.</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Parley.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Parley.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// Installs a Node folder's packages from its lock file (<c>npm ci</c>) unless
    /// <paramref name="package"/> is already in its node_modules (scripts/test normally has done it).
    /// </summary>
    public static async Task NpmCiAsync(string directory, string package)
    {
        if (Directory.Exists(Path.Combine(directory, "node_modules", package)))
        {
            return;
        }

        var info = new ProcessStartInfo("npm") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund" })
        {
            info.ArgumentList.Add(arg);
        }

        using var npm = Process.Start(info)!;
        var output = npm.StandardOutput.ReadToEndAsync();
        var errors = npm.StandardError.ReadToEndAsync();
        await Eventually.WithinAsync(npm.WaitForExitAsync().ContinueWith(_ => true, TaskScheduler.Default), "npm ci", TimeSpan.FromMinutes(3));
        Assert.True(npm.ExitCode == 0, "npm ci failed:\n" + await output + await errors);
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private static async Task<PeersProcess> StartAsync(ProcessStartInfo info)
    {
        var peer = new PeersProcess(info);
        try
        {
            peer.Url = await Eventually.WithinAsync(peer._listening.Task, "the peer to print its address", TimeSpan.FromSeconds(30));
            return peer;
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (Listening().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"^listening (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();
}
