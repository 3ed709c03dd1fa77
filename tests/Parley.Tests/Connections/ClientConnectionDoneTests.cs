using System.Net.WebSockets;
using Parley.Node.Auth;
using Parley.Node.Connections;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Tests.Support;

namespace Parley.Tests.Connections;

/// <summary>
/// <see cref="ClientConnection.Done"/> is made only when someone waits for it, so an idle
/// connection holds no completion source: whoever waits, before the close or after it, is still
/// told when the send side has finished.
/// </summary>
public sealed class ClientConnectionDoneTests : IAsyncLifetime
{
    private readonly ConnectionMetrics _metrics = new();
    private SocketPair _pair = null!;

    public async Task InitializeAsync() => _pair = await SocketPair.CreateAsync();

    public async Task DisposeAsync()
    {
        await _pair.DisposeAsync();
        _metrics.Dispose();
    }

    [Fact]
    public async Task A_wait_begun_while_the_connection_idles_completes_when_the_close_frame_is_sent()
    {
        var connection = NewConnection();
        var done = connection.Done;
        Assert.False(done.IsCompleted);

        connection.Close(CloseReason.GoingAway, flush: true);

        await done.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(WebSocketState.CloseSent, _pair.Server.State);
    }

    [Fact]
    public async Task A_wait_begun_after_the_send_side_finished_is_complete_at_once()
    {
        var connection = NewConnection();
        connection.Send("""{"op":"hello"}"""u8.ToArray(), FrameClass.MustDeliver);
        connection.Close(CloseReason.Normal, flush: true);
        await Eventually.TrueAsync(() => _pair.Server.State == WebSocketState.CloseSent, "the close frame is sent");

        await connection.Done.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(connection.Done.IsCompleted);
    }

    [Fact]
    public async Task An_aborted_connection_is_done_for_a_waiter_from_before_and_one_from_after()
    {
        var connection = NewConnection();
        var before = connection.Done;

        connection.Abort();

        await before.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(connection.Done.IsCompleted);
    }

    private ClientConnection NewConnection()
        => new("c-1", _pair.Server, new Principal("acme", "alice", RoomPatterns.All, new HashSet<string>(), DateTimeOffset.UtcNow.AddHours(1)), 16, publishBucket: null, _metrics);
}
