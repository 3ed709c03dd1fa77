using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Parley.Tests.Support;
using Xunit.Sdk;

namespace Parley.Tests.Protocol;

/// <summary>
/// The test clients that read a node's frames fail the test on a frame the AsyncAPI document does
/// not allow, naming the frame and the schema's complaint. A stand-in node sends such a frame,
/// since a real one never does.
/// </summary>
public sealed class SchemaHookTests
{
    /// <summary>A <c>connected</c> frame without most of its fields, between two valid frames.</summary>
    private static readonly string[] Frames = ["""{"op":"ping"}""", """{"op":"connected","conn":"c-1"}""", """{"op":"pong"}"""];

    [Fact]
    public async Task A_raw_client_fails_the_test_on_a_frame_the_document_does_not_allow()
    {
        await using var node = await StandInNode.StartAsync(Frames);
        var client = await RawClient.OpenAsync(node.WebSocketUri);

        var failure = await Assert.ThrowsAsync<XunitException>(() => client.ExpectAsync("pong"));

        Assert.Contains("""{"op":"connected","conn":"c-1"}""", failure.Message, StringComparison.Ordinal);
        Assert.Contains("inbox_head", failure.Message, StringComparison.Ordinal);
        // A test that never looks at the frames still fails, when it disposes the client.
        await Assert.ThrowsAsync<XunitException>(async () => await client.DisposeAsync());
    }

    [Fact]
    public async Task A_raw_client_passes_every_frame_the_document_allows()
    {
        await using var node = await StandInNode.StartAsync(["""{"op":"ping"}""", """{"op":"pong","rid":"p-1"}"""]);
        await using var client = await RawClient.OpenAsync(node.WebSocketUri);

        var pong = await client.ExpectAsync("pong");

        Assert.Equal("p-1", pong.GetProperty("rid").GetString());
    }

    [Fact]
    public async Task A_wire_client_fails_the_test_on_a_frame_the_document_does_not_allow()
    {
        await using var node = await StandInNode.StartAsync(Frames);
        using var client = await WireWebSocket.ConnectAsync(node.WebSocketUri.Port, "t.k.n");

        var failure = await Assert.ThrowsAsync<XunitException>(() => client.ReadPastAsync("\"pong\"").WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Contains("""{"op":"connected","conn":"c-1"}""", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_sdk_client_fails_the_test_on_a_frame_the_document_does_not_allow()
    {
        await using var node = await StandInNode.StartAsync(Frames);
        await using var client = SdkRecorder.Client(node.WebSocketUri, "t.k.n");
        var recorder = new SdkRecorder(client);
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var connecting = client.ConnectAsync(giveUp.Token);

        string? failure = null;
        await Eventually.TrueAsync(
            () =>
            {
                failure = Record.Exception(recorder.AssertEveryFrameAllowed)?.Message;
                return failure is not null;
            },
            "the recorder to report the stand-in's connected frame");

        Assert.Contains("""{"op":"connected","conn":"c-1"}""", failure, StringComparison.Ordinal);
        Assert.ThrowsAny<XunitException>(() => recorder.Messages);
        await giveUp.CancelAsync();
        await Record.ExceptionAsync(() => connecting);
    }

    /// <summary>A WebSocket endpoint at <c>/v1/ws</c> on a loopback port that sends the given frames, then waits for the client to close.</summary>
    private sealed class StandInNode(WebApplication app, Uri webSocketUri) : IAsyncDisposable
    {
        public Uri WebSocketUri { get; } = webSocketUri;

        public static async Task<StandInNode> StartAsync(IReadOnlyList<string> frames)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            app.UseWebSockets();
            app.Map("/v1/ws", async context =>
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                foreach (var frame in frames)
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
                }

                var buffer = new byte[4096];
                try
                {
                    while ((await socket.ReceiveAsync(buffer, context.RequestAborted)).MessageType != WebSocketMessageType.Close)
                    {
                    }

                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", context.RequestAborted);
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException)
                {
                }
            });
            await app.StartAsync();
            var address = new Uri(app.Urls.First());
            return new StandInNode(app, new Uri($"ws://127.0.0.1:{address.Port}/v1/ws"));
        }

        public async ValueTask DisposeAsync()
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(deadline.Token);
            await app.DisposeAsync();
        }
    }
}
