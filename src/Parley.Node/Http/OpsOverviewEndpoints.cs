using Microsoft.Extensions.Options;
using Parley.Node.Auth;
using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Options;
using Parley.Node.Protocol;
using Parley.Node.Status;
using Parley.Node.Store;

namespace Parley.Node.Http;

/// <summary>
/// <c>GET /api/v1/ops/overview</c>, for the operator only (the <c>operator</c> scope or the
/// directory's operator token; 401 without a credential, 403 without the scope): every live node
/// with its running totals, connections per tenant across the cluster, and whether this node's store
/// and broker answer. Other nodes' figures come from their last heartbeat (the registry); this
/// node's are read now. Totals are cumulative; a dashboard computes rates between two polls.
/// </summary>
internal static class OpsOverviewEndpoints
{
    /// <summary>How long the overview waits for the store or the broker before calling it unhealthy.</summary>
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    public static void Map(IEndpointRouteBuilder app)
        => app.MapGet("/api/v1/ops/overview", OverviewAsync)
            .WithName("OpsOverview")
            .WithTags("cluster")
            .WithMetadata(new OpenApiSetup.Authenticated())
            .WithSummary("Every live node with its counters, connections per tenant, and store and broker health; operator only.")
            .Produces<OverviewReply>()
            .Produces<HttpErrors.ErrorBody>(StatusCodes.Status401Unauthorized)
            .Produces<HttpErrors.ErrorBody>(StatusCodes.Status403Forbidden);

    private static async Task<IResult> OverviewAsync(
        HttpContext context,
        ITokenVerifier verifier,
        IOptionsMonitor<ParleyOptions> options,
        INodeRegistry registry,
        NodeSnapshot snapshot,
        IMessageStore store,
        IBroker broker,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (BearerToken.From(context.Request) is null)
        {
            return HttpErrors.Result(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, "An Authorization: Bearer token with the 'operator' scope is required.");
        }

        var (isOperator, error) = await HttpAuth.AuthenticateOperatorAsync(context, verifier, options.CurrentValue.Directory.Token);
        if (error is not null || !isOperator)
        {
            return error ?? HttpErrors.Result(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, $"The credential lacks the '{Principal.OperatorScope}' scope.");
        }

        var storeHealthy = AnswersAsync(store.PingAsync);
        var brokerHealthy = AnswersAsync(broker.PingAsync);
        var self = snapshot.Take();
        IReadOnlyList<NodeInfo> listed;
        try
        {
            listed = await registry.ListAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The registry is down with the broker: this node still reports itself.
            listed = [];
        }

        // This node's own entry is replaced by its figures of now; it is listed even before its first announcement lands.
        var nodes = listed.Where(n => n.Id != self.Id).Append(self).OrderBy(n => n.Id, StringComparer.Ordinal).ToList();
        var perTenant = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (tenant, count) in nodes.SelectMany(n => n.Stats?.ConnectionsPerTenant ?? new Dictionary<string, int>()))
        {
            perTenant[tenant] = perTenant.GetValueOrDefault(tenant) + count;
        }

        return Results.Json(
            new OverviewReply(
                clock.GetUtcNow().UtcDateTime,
                [.. nodes.Select(n => new NodeRow(
                    n.Id,
                    n.Stats?.Mode ?? "cluster",
                    n.Connections,
                    n.Stats?.Draining ?? false,
                    n.HeartbeatAt.UtcDateTime,
                    n.Stats?.MessagesCommitted ?? 0,
                    n.Stats?.Deliveries ?? 0,
                    n.Stats?.SlowConsumerCloses ?? 0,
                    n.Stats?.LimitRefusals ?? 0))],
                perTenant,
                new Health(await storeHealthy),
                new Health(await brokerHealthy)),
            SnakeCaseJson.Options);
    }

    private static async Task<bool> AnswersAsync(Func<CancellationToken, Task> ping)
    {
        using var timeout = new CancellationTokenSource(CheckTimeout);
        try
        {
            await ping(timeout.Token).WaitAsync(timeout.Token);
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>Times are UTC, written with a 'Z'.</summary>
    public sealed record OverviewReply(DateTime At, IReadOnlyList<NodeRow> Nodes, IReadOnlyDictionary<string, int> ConnectionsPerTenant, Health Store, Health Broker);

    public sealed record NodeRow(
        string Id,
        string Mode,
        int Connections,
        bool Draining,
        DateTime LastHeartbeat,
        long MessagesTotal,
        long DeliveriesTotal,
        long SlowConsumerClosesTotal,
        long LimitRefusalsTotal);

    public sealed record Health(bool Healthy);
}
