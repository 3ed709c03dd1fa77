using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Connections;
using Parley.Node.Observability;
using Parley.Node.Store;

namespace Parley.Node.Http;

/// <summary>Health for load balancers and operators, and the Prometheus scrape.</summary>
internal static class HealthEndpoints
{
    /// <summary>How long a health check waits for the store or the broker before calling it down.</summary>
    private static readonly TimeSpan StoreCheckTimeout = TimeSpan.FromSeconds(2);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/health", HealthAsync).WithName("Health").WithTags("health").WithSummary("Node status with store, broker and connection counts.")
            .Produces<HealthReply>();
        app.MapGet("/healthz/live", () => Results.Text("ok")).WithName("Live").WithTags("health").WithSummary("200 while the process runs.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        app.MapGet("/healthz/ready", ReadyAsync).WithName("Ready").WithTags("health").WithSummary("200 when the store answers and the node is not draining.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Produces<string>(StatusCodes.Status503ServiceUnavailable, "text/plain");
        app.MapGet("/metrics", (PrometheusExporter exporter) => Results.Text(exporter.Render(), "text/plain; version=0.0.4; charset=utf-8"))
            .ExcludeFromDescription();
    }

    private static async Task<IResult> HealthAsync(NodeIdentity node, IMessageStore store, IBroker broker, ConnectionRegistry registry, DrainState drain, TimeProvider clock)
    {
        var storeCheck = StoreAnswersAsync(store);
        var brokerOk = await BrokerAnswersAsync(broker);
        var storeOk = await storeCheck;
        var status = drain.IsDraining ? "draining" : storeOk && brokerOk ? "ok" : "degraded";
        return Results.Json(new HealthReply(
            status,
            node.Id,
            node.Mode == NodeMode.Embedded ? "embedded" : "cluster",
            storeOk ? "ok" : "down",
            brokerOk ? "ok" : "down",
            registry.Count,
            (long)(clock.GetUtcNow() - node.StartedAt).TotalSeconds));
    }

    private static async Task<IResult> ReadyAsync(IMessageStore store, DrainState drain)
        => !drain.IsDraining && await StoreAnswersAsync(store)
            ? Results.Text("ready")
            : Results.Text(drain.IsDraining ? "draining" : "store unavailable", statusCode: StatusCodes.Status503ServiceUnavailable);

    private static async Task<bool> BrokerAnswersAsync(IBroker broker)
    {
        using var timeout = new CancellationTokenSource(StoreCheckTimeout);
        try
        {
            await broker.PingAsync(timeout.Token).WaitAsync(timeout.Token);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static async Task<bool> StoreAnswersAsync(IMessageStore store)
    {
        using var timeout = new CancellationTokenSource(StoreCheckTimeout);
        try
        {
            await store.PingAsync(timeout.Token);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    public sealed record HealthReply(string Status, string Node, string Mode, string Store, string Broker, int Connections, [property: System.Text.Json.Serialization.JsonPropertyName("uptime_s")] long UptimeS);
}
