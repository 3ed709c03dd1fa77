using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.Tests.Support;

/// <summary>
/// The real <c>parley</c> program, started as a separate process from the build output, for tests
/// of what a user types. Output is collected; the process is killed on dispose if still running.
/// </summary>
internal sealed class ParleyProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ParleyProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

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

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public int Id => _process.Id;

    public static ParleyProcess Start(params string[] args) => Start(new Dictionary<string, string?>(), args);

    /// <summary>Starts the program with environment variables set (or, for null values, removed).</summary>
    public static ParleyProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
        => Start(null, environment, args);

    /// <summary>
    /// Starts the program as <paramref name="user"/> (through <c>runuser</c>) when this process is
    /// root, and as this process's own user otherwise: an ordinary user either way.
    /// </summary>
    public static ParleyProcess StartAsOrdinaryUser(string user, IReadOnlyDictionary<string, string?> environment, params string[] args)
        => Start(Parley.Server.Cluster.Local.LocalProcess.IsRoot ? user : null, environment, args);

    /// <summary>
    /// Starts the program with its open-file limit (soft and hard) set to <paramref name="openFiles"/>,
    /// through util-linux's <c>prlimit</c>, as a service manager's <c>LimitNOFILE</c> would.
    /// </summary>
    public static ParleyProcess StartWithOpenFileLimit(int openFiles, params string[] args)
        => Start(null, new Dictionary<string, string?>(), args, openFiles);

    /// <summary>Starts the program in <paramref name="workingDirectory"/>, as a user who typed the command there.</summary>
    public static ParleyProcess StartIn(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
        => Start(null, environment, args, workingDirectory: workingDirectory);

    /// <summary>Runs a command to completion with <paramref name="input"/> on its standard input.</summary>
    public static async Task<(int ExitCode, string Output)> RunWithInputAsync(string input, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = Start(null, environment, args, input: input);
        await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, process.Output.Trim());
    }

    private static ParleyProcess Start(string? runAs, IReadOnlyDictionary<string, string?> environment, string[] args, int? openFiles = null, string? workingDirectory = null, string? input = null)
    {
        var info = new ProcessStartInfo(runAs is not null ? "runuser" : openFiles is not null ? "prlimit" : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        if (runAs is not null)
        {
            foreach (var arg in new[] { "-u", runAs, "--", "dotnet" })
            {
                info.ArgumentList.Add(arg);
            }
        }
        else if (openFiles is { } limit)
        {
            foreach (var arg in new[] { $"--nofile={limit}:{limit}", "--", "dotnet" })
            {
                info.ArgumentList.Add(arg);
            }
        }

        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "parley.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = new ParleyProcess(Process.Start(info)!);
        if (input is not null)
        {
            process._process.StandardInput.Write(input);
            process._process.StandardInput.Close();
        }

        return process;
    }

    /// <summary>Runs a command to completion and returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string?>(), args);

    /// <summary>Runs a command to completion with environment variables set (or, for null values, removed).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var process = Start(environment, args);
        await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, process.Output.Trim());
    }

    /// <summary>A loopback port that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>Sends SIGTERM, as a service manager would.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
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
    }
}
