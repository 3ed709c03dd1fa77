using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>A sender's own ack and msg (docs/protocol.md, send / ack / msg), embedded mode; the cluster case is in ClusterObservabilityTests.</summary>
public sealed class SendOrderTests
{
    [Fact]
    public async Task Each_of_many_sends_gets_one_ack_and_one_msg_with_the_same_id_and_sequence()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Limits:PublishesPerSecond"] = "100000",
            ["Parley:Limits:PublishBurst"] = "100000",
        });
        await using var sender = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));

        await SendOrder.AssertEachSendIsAckedAndDeliveredOnceAsync(sender, "orders", 300);
    }
}
