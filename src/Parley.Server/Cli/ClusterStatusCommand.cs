using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.Server.Cluster.Local;

namespace Parley.Server.Cli;

/// <summary>
/// <c>parley cluster status</c>: what the <c>parley cluster up</c> on a state directory runs, asked
/// live: each node's health, and Redis — one server, or every member of a Redis Cluster with its
/// role, its slots and whether the others see it healthy. Exits 0 while a cluster runs, 1 when none does.
/// </summary>
internal static class ClusterStatusCommand
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public static Command Create()
    {
        var state = ClusterCommand.StateOption();
        var status = new Command("status", "Show the parts of the local cluster that 'parley cluster up' runs on the state directory, and their health.") { state };
        status.SetAction(async (result, cancellationToken) =>
        {
            var directory = Path.GetFullPath(result.GetValue(state)!);
            if (ClusterFile.TryRead(directory) is not { } file)
            {
                Console.WriteLine($"No cluster runs on {directory}.");
                return 1;
            }

            Console.WriteLine($"Cluster of {directory} (parley cluster up, pid {file.Pid})");
            Console.WriteLine($"{"proxy",-14} {file.ProxyUrl}  (WebSocket {file.WebSocketUrl})");
            Console.WriteLine($"{"auth service",-14} {file.AuthUrl}");
            foreach (var node in file.Nodes ?? [])
            {
                Console.WriteLine($"{node.Id,-14} {node.Url}  {await HealthAsync(node.Url, cancellationToken)}");
            }

            foreach (var line in await RedisLinesAsync(file, cancellationToken))
            {
                Console.WriteLine(line);
            }

            return 0;
        });
        return status;
    }

    private static async Task<string> HealthAsync(string url, CancellationToken cancellationToken)
    {
        try
        {
            var health = await Http.GetFromJsonAsync<JsonElement>(new Uri(new Uri(url), "/api/v1/health"), cancellationToken);
            return health.GetProperty("status").GetString() ?? "unknown";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return "unreachable";
        }
    }

    /// <summary>One line for a single redis-server; a heading and one line per member for a Redis Cluster.</summary>
    private static async Task<IReadOnlyList<string>> RedisLinesAsync(ClusterFile file, CancellationToken cancellationToken)
    {
        var ports = RedisPorts(file.Redis ?? "");
        if (file.RedisShards == 0)
        {
            return [.. await Task.WhenAll(ports.Select(async p => $"{"redis-server",-14} 127.0.0.1:{p}  {(await AnswersAsync(p, cancellationToken) ? "answers" : "does not answer")}"))];
        }

        IReadOnlyList<RedisClusterNode>? members = null;
        var state = "no member answers";
        foreach (var port in ports)
        {
            try
            {
                members = RedisClusterNode.ParseAll(await RedisProbe.QueryAsync(port, ["CLUSTER", "NODES"], cancellationToken));
                var info = await RedisProbe.QueryAsync(port, ["CLUSTER", "INFO"], cancellationToken);
                state = info.Split('\n', StringSplitOptions.TrimEntries).FirstOrDefault(l => l.StartsWith("cluster_state:", StringComparison.Ordinal)) ?? "cluster_state unknown";
                break;
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Ask the next member.
            }
        }

        var lines = new List<string> { $"{"redis cluster",-14} {file.RedisShards} shards, {ports.Count} members: {state}" };
        foreach (var member in (members ?? []).OrderBy(m => m.Port))
        {
            var role = member.IsPrimary
                ? $"primary, {member.Slots} slots"
                : $"replica of 127.0.0.1:{members!.FirstOrDefault(m => m.Id == member.PrimaryId)?.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}";
            var health = member.IsFailing ? "failing" : member.IsConnected ? "ok" : "disconnected";
            lines.Add($"  127.0.0.1:{member.Port}  {role}  {health}");
        }

        return lines;
    }

    private static async Task<bool> AnswersAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await RedisProbe.QueryAsync(port, ["PING"], cancellationToken);
            return reply == "PONG" || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// The ports in what the nodes were given: a <c>redis://host:port</c> URL, or a configuration
    /// string of comma-separated <c>host:port</c> endpoints (options such as <c>ssl=true</c> skipped).
    /// </summary>
    private static List<int> RedisPorts(string configuration)
    {
        if (configuration.Contains("://", StringComparison.Ordinal))
        {
            return Uri.TryCreate(configuration, UriKind.Absolute, out var url) ? [url.Port] : [];
        }

        return [.. configuration.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.Contains('=', StringComparison.Ordinal))
            .Select(p => int.TryParse(p[(p.LastIndexOf(':') + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) ? port : 0)
            .Where(p => p > 0)];
    }
}
