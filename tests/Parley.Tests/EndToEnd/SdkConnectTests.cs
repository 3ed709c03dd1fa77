using Parley.Client;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>The SDK's first connect against a real node: refusals are named and final, a good token connects.</summary>
public sealed class SdkConnectTests : IAsyncLifetime
{
    private TestNode _node = null!;
    private int _attempts;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task A_forged_token_fails_ConnectAsync_at_once_with_invalid_token()
    {
        var token = TestNode.Token("acme", "forger");
        var forged = token[..^4] + (token[^4] == 'A' ? "Bxyz" : "Axyz");
        await using var client = Client(forged);

        var refusal = await Assert.ThrowsAsync<ParleyException>(() => client.ConnectAsync());

        Assert.Equal("invalid_token", refusal.Code);
        Assert.Equal(ParleyCloseCodes.InvalidToken, refusal.CloseCode);
        Assert.Equal(1, _attempts);
        Assert.Equal(ConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task A_valid_token_connects_on_the_first_attempt()
    {
        await using var client = Client(TestNode.Token("acme", "honest"));

        await client.ConnectAsync();

        Assert.Equal(ConnectionState.Connected, client.State);
        Assert.Equal("honest", client.SessionInfo!.User);
        Assert.Equal(1, _attempts);
    }

    private ParleyClient Client(string token) => new(new ParleyClientOptions
    {
        Url = _node.WebSocketUri,
        TokenProvider = _ => ValueTask.FromResult(token),
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(1),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(5),
        ConfigureWebSocket = _ => Interlocked.Increment(ref _attempts),
    });
}
