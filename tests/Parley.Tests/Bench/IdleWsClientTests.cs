using System.Diagnostics;
using System.Globalization;
using System.Text;
using Parley.Tests.Support;

namespace Parley.Tests.Bench;

/// <summary>
/// The Node <c>ws</c> client behind compare's second idle figure (bench/idle-ws): its connections
/// must be authenticated the way Parley documents (the token on the upgrade request, then
/// <c>connect</c>), or the memory it measures would be that of refused sockets.
/// </summary>
public sealed class IdleWsClientTests
{
    [Fact]
    public async Task The_ws_idle_client_holds_authenticated_connections_to_a_parley_node_until_sigterm_and_reports_them()
    {
        await using var node = await TestNode.StartAsync();
        var directory = Path.Combine(PeersProcess.RepositoryRoot(), "bench", "idle-ws");
        await PeersProcess.NpmCiAsync(directory, "ws");
        var info = new ProcessStartInfo("node") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "idle.js", "--target", "parley", "--url", node.WebSocketUri.ToString(), "--connections", "12", "--concurrency", "4", "--secret", TestNode.Secret, "--tenant", "acme" })
        {
            info.ArgumentList.Add(arg);
        }

        using var client = Process.Start(info)!;
        var output = new StringBuilder();
        client.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        client.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        client.BeginOutputReadLine();
        client.BeginErrorReadLine();
        string Output()
        {
            lock (output)
            {
                return output.ToString();
            }
        }

        try
        {
            await Eventually.TrueAsync(() => Output().Contains("ready 12", StringComparison.Ordinal) || client.HasExited, "the client reporting every connection ready", TimeSpan.FromSeconds(30));
            Assert.True(Output().Contains("ready 12", StringComparison.Ordinal), "the client did not get ready:\n" + Output());
            await Eventually.TrueAsync(async () => await node.MetricAsync("parley_connections_active") == 12, "the node counting 12 authenticated connections");

            Process.Start("kill", ["-TERM", client.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
            await Eventually.WithinAsync(client.WaitForExitAsync().ContinueWith(_ => true, TaskScheduler.Default), "the client exiting on SIGTERM", TimeSpan.FromSeconds(10));

            Assert.Equal(0, client.ExitCode);
            Assert.Contains("held 12", Output(), StringComparison.Ordinal);
        }
        finally
        {
            if (!client.HasExited)
            {
                client.Kill(entireProcessTree: true);
            }
        }
    }
}
