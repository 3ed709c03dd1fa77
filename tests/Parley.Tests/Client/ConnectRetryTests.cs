using System.Net.WebSockets;
using Microsoft.Extensions.Time.Testing;
using Parley.Client;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;

namespace Parley.Tests.Client;

/// <summary>The first connect under the reconnect policy: retried, bounded, cancellable, and failing with a named code.</summary>
public sealed class ConnectRetryTests
{
    private int _attempts;

    [Fact]
    public async Task ConnectAsync_retries_a_server_that_is_down_until_it_listens()
    {
        var port = Ports.Free();
        await using var client = NewClient(new Uri($"ws://127.0.0.1:{port}/v1/ws"));

        var connecting = client.ConnectAsync();
        await Eventually.TrueAsync(() => Volatile.Read(ref _attempts) >= 3, "three attempts fail on a closed port");
        Assert.False(connecting.IsCompleted);
        Assert.Equal(ConnectionState.Connecting, client.State);
        await using var server = await FakeParleyServer.StartAsync(port);
        await server.AcceptConnectedAsync();

        await Eventually.WithinAsync(Completion(connecting), "ConnectAsync to return once the server listens");
        Assert.Equal(ConnectionState.Connected, client.State);
    }

    [Fact]
    public async Task ConnectAsync_to_a_server_that_stays_down_fails_with_unreachable_after_its_attempts()
    {
        await using var client = NewClient(DeadUrl(), maxAttempts: 3);

        var failure = await Assert.ThrowsAsync<ParleyException>(() => Eventually.WithinAsync(Completion(client.ConnectAsync()), "ConnectAsync to give up"));

        Assert.Equal(ParleyClientErrorCodes.Unreachable, failure.Code);
        Assert.IsType<WebSocketException>(failure.InnerException);
        Assert.Contains("3 attempts", failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, _attempts);
        Assert.Equal(ConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task ConnectAsync_to_a_server_that_stays_down_fails_with_unreachable_once_its_timeout_passes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var client = NewClient(DeadUrl(), time: time, connectTimeout: TimeSpan.FromSeconds(1));

        var connecting = client.ConnectAsync();
        await ParleyClientTests.AdvanceUntilAsync(time, () => connecting.IsCompleted, "ConnectAsync to give up");

        var failure = await Assert.ThrowsAsync<ParleyException>(() => connecting);
        Assert.Equal(ParleyClientErrorCodes.Unreachable, failure.Code);
        Assert.True(_attempts >= 2, $"{_attempts} attempts");
        Assert.Equal(ConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task ConnectAsync_is_cancelled_by_its_token_and_leaves_the_client_disconnected()
    {
        await using var client = NewClient(DeadUrl());
        using var cancel = new CancellationTokenSource();

        var connecting = client.ConnectAsync(cancel.Token);
        await Eventually.TrueAsync(() => Volatile.Read(ref _attempts) >= 2, "attempts are being made");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Eventually.WithinAsync(Completion(connecting), "ConnectAsync to stop"));
        Assert.Equal(ConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task ConnectAsync_waits_out_a_Retry_After_within_its_timeout_then_connects()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FakeParleyServer.StartAsync(time: time);
        await using var client = NewClient(server.Url, time: time);
        server.RefuseNextUpgrade(retryAfterSeconds: 2);

        var connecting = client.ConnectAsync();
        await ParleyClientTests.AdvanceUntilAsync(time, () => server.UpgradeTimes.Count == 2, "the attempt after the Retry-After");
        await server.AcceptConnectedAsync();

        await Eventually.WithinAsync(Completion(connecting), "ConnectAsync to return");
        var upgrades = server.UpgradeTimes;
        Assert.True(upgrades[1] - upgrades[0] >= TimeSpan.FromSeconds(2), $"Retried {(upgrades[1] - upgrades[0]).TotalMilliseconds} ms after the 503.");
    }

    [Fact]
    public async Task ConnectAsync_refused_with_a_Retry_After_beyond_its_timeout_reports_server_busy_at_once()
    {
        await using var server = await FakeParleyServer.StartAsync();
        await using var client = NewClient(server.Url, connectTimeout: TimeSpan.FromSeconds(5));
        server.RefuseNextUpgrade(retryAfterSeconds: 7);

        var refusal = await Assert.ThrowsAsync<ParleyException>(() => Eventually.WithinAsync(Completion(client.ConnectAsync()), "ConnectAsync to give up"));

        Assert.Equal(ParleyErrorCodes.ServerBusy, refusal.Code);
        Assert.Equal(TimeSpan.FromSeconds(7), refusal.RetryAfter);
        Assert.Single(server.UpgradeTimes);
        Assert.Equal(ConnectionState.Disconnected, client.State);
    }

    [Fact]
    public async Task A_terminal_refusal_during_the_handshake_is_not_retried()
    {
        await using var server = await FakeParleyServer.StartAsync();
        await using var client = NewClient(server.Url);

        var connecting = client.ConnectAsync();
        var connection = await server.AcceptAsync();
        await connection.ReceiveAsync("connect");
        await connection.CloseAsync(ParleyCloseCodes.InvalidToken, "invalid_token");

        var refusal = await Assert.ThrowsAsync<ParleyException>(() => Eventually.WithinAsync(Completion(connecting), "ConnectAsync to fail"));
        Assert.Equal("invalid_token", refusal.Code);
        Assert.Equal(ParleyCloseCodes.InvalidToken, refusal.CloseCode);
        Assert.Single(server.UpgradeTimes);
    }

    [Fact]
    public async Task A_failing_token_provider_is_reported_as_token_unavailable()
    {
        await using var server = await FakeParleyServer.StartAsync();
        await using var client = new ParleyClient(new ParleyClientOptions
        {
            Url = server.Url,
            TokenProvider = _ => throw new UnauthorizedAccessException("signed out"),
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(1),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(5),
            ConnectMaxAttempts = 2,
        });

        var failure = await Assert.ThrowsAsync<ParleyException>(() => Eventually.WithinAsync(Completion(client.ConnectAsync()), "ConnectAsync to give up"));

        Assert.Equal(ParleyClientErrorCodes.TokenUnavailable, failure.Code);
        Assert.IsType<UnauthorizedAccessException>(failure.InnerException?.InnerException);
        Assert.Equal(2, server.UpgradeTimes.Count);
    }

    private static Uri DeadUrl() => new($"ws://127.0.0.1:{Ports.Free()}/v1/ws");

    private ParleyClient NewClient(Uri url, TimeProvider? time = null, int? maxAttempts = null, TimeSpan? connectTimeout = null)
        => new(new ParleyClientOptions
        {
            Url = url,
            TokenProvider = _ => ValueTask.FromResult("token"),
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(1),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(20),
            ConnectMaxAttempts = maxAttempts,
            // On a fake clock the test moves time in steps; long bounds keep a slow machine's many
            // steps from timing out an attempt that is merely slow in real time.
            ConnectTimeout = connectTimeout ?? (time is null ? TimeSpan.FromSeconds(30) : TimeSpan.FromHours(1)),
            RequestTimeout = time is null ? TimeSpan.FromSeconds(10) : TimeSpan.FromHours(1),
            TimeProvider = time ?? TimeProvider.System,
            ConfigureWebSocket = _ => Interlocked.Increment(ref _attempts),
        });

    private static async Task<bool> Completion(Task task)
    {
        await task;
        return true;
    }
}
