using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;
using Xunit.Abstractions;

namespace Parley.Tests.Cluster;

/// <summary>
/// Sustained connect, authenticate and close on a two-node cluster. Whatever a connection takes
/// — a socket, a session on the heap, a connection slot and presence entries in Redis — it gives
/// back, so after ten thousand of them each node and Redis hold what they held before.
/// </summary>
public sealed class ChurnTests(ITestOutputHelper output)
{
    private const int Cycles = 10_000;
    private const int Workers = 32;

    // Users per worker: more than the per-user connection limit can hold at once, so a slot
    // released a little late never refuses the worker's next connection.
    private const int UsersPerWorker = 8;

    // What a cycle is allowed to leave behind in all, for pools that size themselves to the load.
    private const int OpenFilesMargin = 24;
    private const long LiveHeapMargin = 4 * 1024 * 1024;

    [Fact]
    public async Task Ten_thousand_connect_authenticate_close_cycles_leave_open_files_heap_and_redis_keys_as_they_were()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        await using var redis = await RedisTestConnections.ConnectAsync(cluster.Redis.Url);

        // The same load, smaller, first: compiled code, thread pool and connection pools reach their working size.
        Assert.Equal(0, await RunCyclesAsync(cluster, 1_000, "warm"));
        var before = await SettledAsync(cluster, redis, expected: null);

        var failed = await RunCyclesAsync(cluster, Cycles, "churn");
        var after = await SettledAsync(cluster, redis, expected: before);

        for (var i = 0; i < cluster.Nodes.Count; i++)
        {
            output.WriteLine($"churn {cluster.Nodes[i].NodeId}: open files {before.OpenFiles[i]} -> {after.OpenFiles[i]}, live heap {before.LiveHeap[i] / 1024.0:0} -> {after.LiveHeap[i] / 1024.0:0} KB");
        }

        output.WriteLine($"churn redis keys: {before.RedisKeys} -> {after.RedisKeys}; {Cycles} cycles, {failed} failed");
        Assert.Equal(0, failed);
        for (var i = 0; i < cluster.Nodes.Count; i++)
        {
            Assert.InRange(after.OpenFiles[i], 0, before.OpenFiles[i] + OpenFilesMargin);
            Assert.InRange(after.LiveHeap[i], 0, before.LiveHeap[i] + LiveHeapMargin);
        }

        Assert.Equal(before.RedisKeys, after.RedisKeys);
    }

    /// <summary>Runs <paramref name="cycles"/> cycles over both nodes; returns how many did not end as expected.</summary>
    private async Task<int> RunCyclesAsync(LocalCluster cluster, int cycles, string label)
    {
        var next = -1;
        var failed = 0;
        var reasons = new List<string>();
        var workers = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var buffer = new byte[4096];
            int cycle;
            while ((cycle = Interlocked.Increment(ref next)) < cycles)
            {
                var node = cluster.Nodes[cycle % cluster.Nodes.Count];
                var user = $"{label}-{worker}-{cycle / Workers % UsersPerWorker}";
                var outcome = await CycleAsync(node.WebSocketUri, cluster.Token(cycle % 3 == 0 ? "globex" : "acme", user), joins: cycle % 4 == 0, buffer);
                if (outcome is not null)
                {
                    Interlocked.Increment(ref failed);
                    lock (reasons)
                    {
                        if (reasons.Count < 5)
                        {
                            reasons.Add(outcome);
                        }
                    }
                }
            }
        })).ToArray();

        await Eventually.WithinAsync(Task.WhenAll(workers).ContinueWith(_ => true, TaskScheduler.Default), $"{cycles} {label} cycles", TimeSpan.FromMinutes(5));
        foreach (var reason in reasons)
        {
            output.WriteLine($"{label} cycle failed: {reason}");
        }

        return failed;
    }

    /// <summary>One connection's life: open, <c>connect</c>, optionally a join, then a clean close. Null when all went as expected.</summary>
    private static async Task<string?> CycleAsync(Uri uri, string token, bool joins, byte[] buffer)
    {
        using var socket = new ClientWebSocket();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await socket.ConnectAsync(uri, deadline.Token);
            await SendAsync(socket, $$"""{"op":"connect","token":"{{token}}"}""", deadline.Token);
            if (!await ReceiveOpAsync(socket, "connected", buffer, deadline.Token))
            {
                return "no 'connected'";
            }

            if (joins)
            {
                await SendAsync(socket, """{"op":"join","rid":1,"room":"lobby"}""", deadline.Token);
                if (!await ReceiveOpAsync(socket, "joined", buffer, deadline.Token))
                {
                    return "no 'joined'";
                }
            }

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", deadline.Token);
            return null;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            return $"{e.GetType().Name}: {e.Message} (close {socket.CloseStatus} {socket.CloseStatusDescription})";
        }
    }

    private static Task SendAsync(ClientWebSocket socket, string json, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>Reads frames until one with <paramref name="op"/>; false when the server closes first.</summary>
    private static async Task<bool> ReceiveOpAsync(ClientWebSocket socket, string op, byte[] buffer, CancellationToken cancellationToken)
    {
        var marker = Encoding.UTF8.GetBytes($"\"op\":\"{op}\"");
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                length += result.Count;
            }
            while (!result.EndOfMessage && length < buffer.Length);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                return false;
            }

            if (buffer.AsSpan(0, length).IndexOf(marker) >= 0)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Waits until the nodes' open files and Redis's keys stop falling toward <paramref name="expected"/>
    /// (closes and removals finish after the clients are gone), then takes each node's live heap after a full collection.
    /// </summary>
    private static async Task<Snapshot> SettledAsync(LocalCluster cluster, StackExchange.Redis.IConnectionMultiplexer redis, Snapshot? expected)
    {
        int[] files = [];
        long keys = 0;
        await Eventually.TrueAsync(async () =>
        {
            files = [.. cluster.Nodes.Select(n => Directory.GetFiles($"/proc/{n.Process.Id}/fd").Length)];
            keys = await redis.GetServers()[0].DatabaseSizeAsync();
            return expected is null
                ? true
                : keys <= expected.RedisKeys && files.Select((f, i) => f <= expected.OpenFiles[i] + OpenFilesMargin).All(ok => ok);
        }, "the nodes closed every socket and Redis dropped every slot and presence entry", TimeSpan.FromSeconds(30))
            // A timeout is not the verdict: the caller asserts on the figures, so they are printed first.
            .ContinueWith(_ => { }, TaskScheduler.Default);

        var heaps = new long[cluster.Nodes.Count];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < cluster.Nodes.Count; i++)
        {
            var node = cluster.Nodes[i];
            var collections = await MetricAsync(http, node, "parley_process_gc_collections_total{gc_generation=\"gen2\"}");
            await RemoteCollection.InduceAsync(node.Process.Id, async () => await MetricAsync(http, node, "parley_process_gc_collections_total{gc_generation=\"gen2\"}") > collections);
            heaps[i] = (long)await MetricAsync(http, node, "parley_process_gc_heap_live_bytes");
        }

        return new Snapshot(files, heaps, keys);
    }

    private static async Task<double> MetricAsync(HttpClient http, LocalNode node, string series)
    {
        var text = await http.GetStringAsync(new Uri(node.HttpUri, "/metrics"));
        var line = text.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private sealed record Snapshot(int[] OpenFiles, long[] LiveHeap, long RedisKeys);
}
