using Mono.Cecil;
using Parley.Node.Hosting;
using Parley.Tests.Bench;

namespace Parley.Tests.Architecture;

/// <summary>
/// The node library keeps its shape: folders use only folders below them (NodeLayers), only the
/// host references the auth service and the load generator, and what is public is public on purpose.
/// </summary>
public sealed class LayeringTests
{
    private const string Root = "Parley.Node";

    private static readonly Lazy<ModuleDefinition> Node = new(() => ModuleDefinition.ReadModule(typeof(ParleyNode).Assembly.Location));

    [Fact]
    public void Every_folder_of_the_node_library_has_a_layer()
    {
        var folders = Node.Value.GetTypes().Select(FolderOf).OfType<string>().Distinct();

        Assert.Empty(folders.Except(NodeLayers.Order));
    }

    [Fact]
    public void No_folder_of_the_node_library_uses_a_folder_above_it()
    {
        var upward = TypeUses.In(Node.Value)
            .Select(use => (use.User, use.Used, From: FolderOf(use.User), To: FolderOf(use.Used)))
            .Where(use => use.From is not null && use.To is not null && Rank(use.To) > Rank(use.From))
            .Select(use => $"{use.From} -> {use.To}: {use.User.Name} uses {use.Used.Name}")
            .Distinct()
            .Order()
            .ToList();

        Assert.True(upward.Count == 0, "Folders use folders above them:\n" + string.Join('\n', upward));
    }

    [Fact]
    public void No_contract_uses_another_contract()
    {
        var across = TypeUses.In(Node.Value)
            .Select(use => (use.User, use.Used, From: FolderOf(use.User), To: FolderOf(use.Used)))
            .Where(use => use.From != use.To && NodeLayers.Contracts.Contains(use.From ?? "") && NodeLayers.Contracts.Contains(use.To ?? ""))
            .Select(use => $"{use.From} -> {use.To}: {use.User.Name} uses {use.Used.Name}")
            .Distinct()
            .ToList();

        Assert.True(across.Count == 0, "Contracts use each other:\n" + string.Join('\n', across));
    }

    [Fact]
    public void The_architecture_document_lists_the_layers_in_their_order()
    {
        var text = File.ReadAllText(Path.Combine(PeersProcess.RepositoryRoot(), "docs", "architecture.md"));
        var listed = System.Text.RegularExpressions.Regex.Matches(text, @"^\d+\. \*\*(\w+)\*\*", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value);

        Assert.Equal(NodeLayers.Order, listed);
    }

    [Fact]
    public void The_layering_check_sees_a_use_in_a_method_body()
    {
        // Rooms is below Connections: the check must see a delivery type reaching a connection type
        // if one did. Here the reverse holds and is allowed: Connections' sessions use Rooms' dispatcher.
        var uses = TypeUses.In(Node.Value).Where(use => FolderOf(use.User) == "Connections" && FolderOf(use.Used) == "Rooms");

        Assert.NotEmpty(uses);
    }

    [Fact]
    public void Only_the_host_references_the_auth_service_and_the_load_generator()
    {
        var references = Node.Value.AssemblyReferences.Select(a => a.Name).ToList();

        Assert.DoesNotContain("Parley.Auth", references);
        Assert.DoesNotContain("Parley.Bench", references);
        Assert.DoesNotContain("parley", references);
        Assert.Contains("Parley.Common", references);
    }

    [Fact]
    public void The_node_library_makes_public_only_what_the_host_and_other_backends_need()
    {
        var isPublic = Node.Value.Types.Where(t => t.IsPublic).Select(t => $"{FolderOf(t)}.{t.Name}").Order().ToList();

        Assert.Equal(PublicOnPurpose.Order(), isPublic);
    }

    /// <summary>
    /// The host's entry points, the options it binds, and the contracts (with their records) that a
    /// host may implement and register itself; everything else is internal.
    /// </summary>
    private static readonly string[] PublicOnPurpose =
    [
        "Hosting.ParleyNode", "Hosting.StartupLine",
        "Auth.DevelopmentKey", "Auth.DevelopmentTokenMinter",
        "Options.ParleyOptions", "Options.ParleyOptionsValidator", "Options.AuthOptions", "Options.PublicKeyOptions",
        "Options.LimitsOptions", "Options.TenantLimitOverrides", "Options.StoreOptions", "Options.RetentionOptions",
        "Options.TenantRetentionOverrides", "Options.PresenceOptions", "Options.DrainOptions", "Options.DirectoryOptions",
        "Options.WebOptions", "Options.PostgresOptions", "Options.RedisOptions", "Options.ClusterOptions",
        "Options.RoomsOptions", "Options.RoomPolicyOptions",
        "Options.BrokerOptions", "Options.BrokerKind", "Options.RabbitMqOptions", "Options.NatsOptions",
        "Store.IMessageStore", "Store.AppendRequest", "Store.AppendResult", "Store.StoredMessage", "Store.StreamHead",
        "Store.RetentionPolicy", "Store.StoreUnavailableException", "Store.CommitOutcomeUnknownException",
        "Broker.IBroker", "Broker.IEnvelopeSink", "Broker.Envelope", "Broker.EnvelopeKind",
        "Presence.IPresenceStore", "Presence.PresenceMember",
        "Limits.IConnectionLimiter", "Limits.ConnectionSlot", "Limits.ConnectionQuota", "Limits.SlotResult",
        "Limits.IPublishRateLimiter", "Limits.Limit",
        "Cluster.INodeRegistry", "Cluster.NodeInfo", "Cluster.NodeStats",
        "Auth.ITokenVerifier", "Auth.TokenVerification", "Auth.TokenRefusal", "Auth.Principal", "Auth.RoomPatterns",
        "Tenancy.ITenantDirectory", "Tenancy.TenantSettings", "Tenancy.TenantQuotas", "Tenancy.TenantKey",
        "Tenancy.ApiKeyRecord", "Tenancy.StreamId", "Tenancy.StreamKind", "Tenancy.RoomPolicy",
    ];

    private static int Rank(string folder) => NodeLayers.Order.ToList().IndexOf(folder);

    /// <summary>The first namespace segment under Parley.Node, or null for compiler-made types outside it.</summary>
    private static string? FolderOf(TypeDefinition type)
    {
        var ns = TypeUses.Outermost(type).Namespace;
        if (!ns.StartsWith(Root + ".", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = ns[(Root.Length + 1)..];
        var dot = rest.IndexOf('.');
        return dot < 0 ? rest : rest[..dot];
    }
}
