using System.Text;
using Microsoft.Extensions.Options;
using Parley.Node.Options;
using Parley.Node.Tenancy;
using Parley.Tests.Support;

namespace Parley.Tests.Options;

/// <summary>Room policies as configured: checked at start, matched by the longest prefix, overridden per tenant by the directory.</summary>
public sealed class RoomPolicyOptionsTests
{
    [Fact]
    public async Task A_node_refuses_to_start_with_an_invalid_or_repeated_prefix_and_names_each_problem()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Rooms:Policies:0:Prefix"] = "cursor:",
            ["Parley:Rooms:Policies:1:Prefix"] = "cursor:",
            ["Parley:Rooms:Policies:2:Prefix"] = "bad prefix/",
            ["Parley:Rooms:Policies:3:Prefix"] = "",
            ["Parley:Rooms:Policies:4:Prefix"] = "tick:",
            ["Parley:Rooms:Policies:4:Ephemeral"] = "true",
            ["Parley:Rooms:Policies:4:MaxMessagesPerStream"] = "10",
        }));

        Assert.Contains("Parley:Rooms:Policies:1:Prefix 'cursor:' is already the prefix of an earlier policy; each prefix may have one policy.", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Parley:Rooms:Policies:2:Prefix 'bad prefix/' must follow the identifier rules", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Parley:Rooms:Policies:3:Prefix '' must follow the identifier rules", StringComparison.Ordinal));
        Assert.Contains("Parley:Rooms:Policies:4: an ephemeral policy keeps no history, so MaxMessagesPerStream and MaxAge cannot be set.", error.Failures);
    }

    [Fact]
    public void The_longest_prefix_wins_and_a_room_matching_none_keeps_the_defaults()
    {
        var options = new ParleyOptions();
        options.Rooms.Policies.Add(new RoomPolicyOptions { Prefix = "game:", Presence = false });
        options.Rooms.Policies.Add(new RoomPolicyOptions { Prefix = "game:state:", Ephemeral = true });
        var policies = new RoomPolicies(Microsoft.Extensions.Options.Options.Create(options), new EmptyTenantDirectory());

        Assert.True(policies.For("acme", "game:state:1").Ephemeral);
        Assert.True(policies.For("acme", "game:state:1").Presence);
        Assert.False(policies.For("acme", "game:lobby").Presence);
        Assert.Same(RoomPolicy.Default, policies.For("acme", "general"));
        Assert.Same(RoomPolicy.Default, policies.For(StreamId.User("acme", "game:state:1")));
    }

    [Fact]
    public void The_directory_document_reads_a_tenants_policies_and_skips_those_that_break_the_rules()
    {
        var json = """
            {"version":1,"tenants":[{"id":"acme","roomPolicies":[
              {"prefix":"cursor:","ephemeral":true,"presence":true,"joinLeaveEvents":false},
              {"prefix":"ticker:","clientPublish":false,"maxMessagesPerStream":100,"maxAgeSeconds":60},
              {"prefix":"bad/prefix","ephemeral":true},
              {"prefix":"cursor:","ephemeral":false},
              {"ephemeral":true}
            ]}]}
            """;
        var (_, tenants) = TenantDirectoryDocument.Parse(Encoding.UTF8.GetBytes(json));
        var policies = tenants.Single().RoomPolicies;

        Assert.Equal(["cursor:", "ticker:"], policies.Select(p => p.Prefix));
        Assert.Equal(new RoomPolicy("cursor:", Ephemeral: true, JoinLeaveEvents: false), policies[0]);
        Assert.Equal(new RoomPolicy("ticker:", MaxMessages: 100, MaxAge: TimeSpan.FromMinutes(1), ClientPublish: false), policies[1]);
    }
}
